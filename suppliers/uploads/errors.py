"""Why a file cannot be taken: the API renders these in its error envelope.

A message is kept as its English msgid and parameters (``UploadMessage``): the
request's language renders it at once, and a worker stores the msgid so the page
can render it later in the viewer's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_noop

from marketplace.errors import ApplicationError


@dataclass(frozen=True, slots=True)
class UploadMessage:
    """A translatable message: an English msgid (marked with ``gettext_noop``) with
    ``%(name)s`` placeholders and their values."""

    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)

    def english(self) -> str:
        return self._filled(self.msgid)

    def translated(self) -> str:
        """In the active language."""
        return self._filled(gettext(self.msgid))

    def _filled(self, text: str) -> str:
        return text % dict(self.params) if self.params else text

    def as_json(self) -> dict:
        return {"msgid": self.msgid, "params": dict(self.params)}

    @classmethod
    def from_json(cls, value: object) -> UploadMessage | None:
        if not isinstance(value, dict) or not isinstance(value.get("msgid"), str):
            return None
        params = value.get("params")
        return cls(value["msgid"], params if isinstance(params, dict) else {})


# Translators: limit is a number of rows such as 100,000.
TOO_MANY_ROWS = gettext_noop("The file has more than %(limit)s rows; split it into several.")


class UploadTooLarge(ApplicationError):
    code = "too_large"
    status = 413


class UploadFileError(ApplicationError):
    """The file itself is unusable (not CSV/XLSX, empty, broken, no required column).
    ``msgid`` is marked with ``gettext_noop``; the message is in the active language."""

    code = "validation_failed"
    status = 422

    def __init__(
        self, msgid: str, params: Mapping[str, object] | None = None, *, field: str = "file"
    ) -> None:
        self.text = UploadMessage(msgid, dict(params or {}))
        self.field = field
        message = self.text.translated()
        super().__init__(message, fields={field: [message]})

    def __reduce__(self) -> tuple:
        """Pickled (from a preparing process) as its msgid, not its translation."""
        return (_upload_file_error, (self.text.msgid, dict(self.text.params), self.field))


def _upload_file_error(msgid: str, params: dict, field: str) -> UploadFileError:
    return UploadFileError(msgid, params, field=field)
