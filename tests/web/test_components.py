"""The shared page components: money for each language, charts, progress, field errors."""

from __future__ import annotations

import json
import re

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from marketplace.web.charts import Chart, Series


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "1,234,567.05 USD"),
        ("ru", "1\xa0234\xa0567,05 USD"),
        ("ro", "1.234.567,05 USD"),
        ("pl", "1\xa0234\xa0567,05 USD"),
    ],
)
def test_money_is_written_the_way_each_language_writes_it(settings, language, expected):
    settings.CURRENCY = "USD"
    with translation.override(language):
        assert render("{% load l10n_money %}{{ c|money }}", c=123456705) == expected


def test_money_filters_never_raise_on_bad_input():
    out = render(
        "{% load l10n_money %}[{{ a|money }}][{{ b|amount }}][{{ c|percent }}][{{ d|amount }}]",
        a="not cents",
        b=None,
        c=None,
        d=-5,
    )
    assert out == "[][0.00][—][-0.05]"


def test_billing_pages_cents_filter_is_the_localized_one():
    with translation.override("ro"):
        assert render("{% load billing_money %}{{ c|cents }}", c=250000) == "2.500,00"


def test_percent_keeps_one_decimal_in_the_languages_style():
    with translation.override("ru"):
        assert render("{% load l10n_money %}{{ v|percent }}", v=12.5) == "12,5\xa0%"


CHART = '{% include "includes/chart.html" with chart=chart id="per-day" title="Leads per day" %}'


def test_chart_include_writes_the_data_island_and_the_same_figures_as_a_table():
    chart = Chart(
        kind="bar",
        labels=["Dec 1", "Dec 2"],
        series=[Series("Accepted", [3, 0], "good"), Series("Rejected", [1, 2], "bad")],
        stacked=True,
    )

    html = render(CHART, chart=chart)

    island = re.search(r'<script id="per-day-data" type="application/json">(.*?)</script>', html)
    assert island is not None
    data = json.loads(island.group(1))
    assert data["labels"] == ["Dec 1", "Dec 2"]
    assert [s["values"] for s in data["series"]] == [[3, 0], [1, 2]]
    assert data["stacked"] is True
    assert 'data-chart="per-day-data"' in html
    assert 'role="img" aria-label="Leads per day"' in html
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", html)
    assert [label for label, _cells in rows] == ["Dec 1", "Dec 2"]
    assert re.findall(r'<td class="num">(\d+)</td>', rows[1][1]) == ["0", "2"]


def test_chart_with_nothing_to_show_says_so_instead_of_drawing():
    html = render(CHART, chart=Chart(kind="line", labels=["Dec 1"], series=[Series("x", [0])]))
    assert "No data yet" in html
    assert "<canvas" not in html


def test_chart_labels_from_translations_become_text_in_the_island():
    from django.utils.translation import gettext_lazy

    chart = Chart(kind="doughnut", labels=[gettext_lazy("Accepted")], series=[Series("n", [1])])
    with translation.override("pl"):
        assert chart.config()["labels"] == ["Przyjęte"]


def test_chart_data_cannot_break_out_of_its_script_tag():
    chart = Chart(
        kind="bar", labels=["</script><script>alert(1)</script>"], series=[Series("n", [1])]
    )
    html = render(CHART, chart=chart)
    assert "</script><script>alert(1)" not in html


def test_progress_include_states_its_value_for_screen_readers():
    html = render(
        '{% include "includes/progress.html" with value=30 max=120 label="Rows" text="30 of 120" %}'
    )
    assert 'role="progressbar"' in html
    assert 'aria-valuenow="30"' in html
    assert 'aria-valuemax="120"' in html
    assert 'aria-valuetext="30 of 120"' in html
    assert "width: 25%" in html


class _Form(forms.Form):
    name = forms.CharField(label="Name", help_text="As buyers see it.")


def test_field_include_ties_help_and_errors_to_the_input():
    form = _Form(data={"name": ""})
    assert not form.is_valid()

    html = render('{% include "includes/field.html" with field=form.name %}', form=form)

    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_name_helptext id_name_errors"' in html
    assert '<ul class="errorlist" id="id_name_errors">' in html
    assert '<label for="id_name">Name</label>' in html
