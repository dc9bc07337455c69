"""Forms of the upload pages: shape only; the services decide the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.forms import ServiceErrorsMixin
from marketplace.models import Segment
from suppliers.uploads.mapping import field_choices
from suppliers.uploads.models import Upload


class UploadForm(ServiceErrorsMixin, forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8, Windows-1251 or Windows-1250; comma, semicolon or tab) or XLSX, "
            "with a header row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    segment = forms.ChoiceField(label=_("Segment"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = list(
            Segment.objects.filter(is_active=True).order_by("name").values_list("slug", "name")
        )


class MappingForm(ServiceErrorsMixin, forms.Form):
    """One choice per column of the file: the lead field it holds, or nothing."""

    def __init__(self, *args: object, upload: Upload, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— ignore this column —")), *field_choices(upload.segment)]
        for index, header in enumerate(upload.headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or _("(column %(number)d, no header)") % {"number": index + 1},
                choices=choices,
                required=False,
                initial=upload.column_map.get(str(index), ""),
            )

    def choices(self) -> dict[int, str]:
        return {
            int(name.removeprefix("col_")): value
            for name, value in self.cleaned_data.items()
            if value
        }
