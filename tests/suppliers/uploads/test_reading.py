"""Encodings and delimiters as Excel writes them: names in Cyrillic, Polish and
Romanian survive intact, whatever the code page and separator."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from suppliers.uploads.reading import (
    data_rows,
    detect_delimiter,
    guess_encoding,
    inspect,
)

CYRILLIC = ["Анна", "Иванова", "Пётр", "Смирнов", "Ёлкина", "Щукин", "Юлия", "Москва", "Жанна"]
POLISH = ["Łukasz", "Żółkiewski", "Małgorzata", "Wrocław", "Łódź", "Świętokrzyska", "Jaźwińska"]
ROMANIAN_CEDILLA = ["Ştefan", "Ţurcanu", "Brăila", "Mureşan", "Mădălina", "Târgu", "Işfan"]
ROMANIAN = ["Ștefan", "Țurcanu", "Brăila", "Mureșan", "Mădălina", "Târgu Jiu"]
DELIMITERS = [",", ";", "\t"]

# (code page, the names it can carry)
SINGLE_BYTE = [
    ("cp1251", CYRILLIC),
    ("cp1250", POLISH),
    ("cp1250", ROMANIAN_CEDILLA),
    ("iso-8859-2", POLISH),
    ("iso-8859-2", ROMANIAN_CEDILLA),
]


def _file(tmp_path, names: list[str], *, encoding: str, delimiter: str, bom: bool = False):
    lines = [delimiter.join(["first_name", "last_name", "phone", "city"])]
    for index, name in enumerate(names):
        other = names[(index + 1) % len(names)]
        lines.append(delimiter.join([name, other, f"+48 601 234 {index:03d}", name]))
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    path = tmp_path / f"f-{encoding}-{ord(delimiter)}"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def _read_names(path) -> tuple[list[list[str]], object]:
    info = inspect(path, max_rows=1000, max_expanded_bytes=10**9)
    return [cells for _number, cells in data_rows(path, info, after=info.header_row)], info


@pytest.mark.parametrize("delimiter", DELIMITERS, ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize(("encoding", "names"), SINGLE_BYTE, ids=lambda v: str(v)[:12])
def test_single_byte_code_pages_are_detected_and_names_survive(
    tmp_path, encoding, names, delimiter
):
    path = _file(tmp_path, names, encoding=encoding, delimiter=delimiter)

    rows, info = _read_names(path)

    assert info.delimiter == delimiter
    assert [row[0] for row in rows] == names
    assert info.headers == ["first_name", "last_name", "phone", "city"]
    if encoding == "cp1251":
        assert info.encoding == "cp1251"


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
@pytest.mark.parametrize("delimiter", DELIMITERS, ids=["comma", "semicolon", "tab"])
def test_utf8_with_or_without_bom_carries_every_alphabet(tmp_path, bom, delimiter):
    names = CYRILLIC + POLISH + ROMANIAN
    path = _file(tmp_path, names, encoding="utf-8", delimiter=delimiter, bom=bom)

    rows, info = _read_names(path)

    assert info.encoding == ("utf-8-sig" if bom else "utf-8")
    assert info.headers[0] == "first_name"  # no BOM left on the first header
    assert [row[0] for row in rows] == names


def test_polish_in_cp1250_and_iso_8859_2_are_told_apart():
    text = "Zażółć gęślą jaźń, Świętosław Źrebiec, Ącki"
    assert guess_encoding(text.encode("cp1250")) == "cp1250"
    assert guess_encoding(text.encode("iso-8859-2")) == "iso-8859-2"


def test_non_ascii_far_from_the_start_decides_the_encoding(tmp_path):
    header = "first_name;last_name\r\n"
    ascii_rows = "".join(f"Anna;Nowak{n}\r\n" for n in range(30_000))  # > 256 KB of ASCII
    path = tmp_path / "late.csv"
    path.write_bytes((header + ascii_rows + "Анна;Иванова\r\n").encode("cp1251"))

    rows, info = _read_names(path)

    assert info.encoding == "cp1251"
    assert rows[-1] == ["Анна", "Иванова"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    case=st.sampled_from([*SINGLE_BYTE, ("utf-8", CYRILLIC + POLISH + ROMANIAN)]),
    picks=st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=25),
    delimiter=st.sampled_from(DELIMITERS),
    quote=st.booleans(),
)
def test_any_mix_of_names_round_trips(tmp_path, case, picks, delimiter, quote):
    encoding, alphabet = case
    names = [alphabet[pick % len(alphabet)] for pick in picks]
    if quote:  # a cell holding the delimiter, quoted as Excel does
        names[0] = f'"{names[0]}{delimiter} jr."'
    path = _file(tmp_path, names, encoding=encoding, delimiter=delimiter)

    rows, info = _read_names(path)

    expected = [name.strip('"') if quote and i == 0 else name for i, name in enumerate(names)]
    assert [row[0] for row in rows] == expected
    assert info.delimiter == delimiter


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1,5;2,5;3\n", ";"),  # decimal commas inside semicolon-separated cells
        ("a\tb\n1\t2\n", "\t"),
        ('"x, y";z\n"1, 2";3\n', ";"),
        ("single\nvalue\n", ","),
    ],
)
def test_delimiter_detection(sample, expected):
    assert detect_delimiter(sample) == expected
