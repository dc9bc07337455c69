"""Forms of the web pages. They check the shape of the input; the services
decide the business rules and their errors are put back on the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.errors import ApplicationError
from marketplace.models import MemberRole, OrganizationKind


class ServiceErrorsMixin:
    """Puts a service's ``ValidationFailed.fields`` next to the fields they name."""

    def add_service_error(self, error: ApplicationError) -> None:
        placed = False
        for name, problems in (error.fields or {}).items():
            target = name if name in self.fields else None
            for problem in problems:
                self.add_error(target, problem)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class RowForm(ServiceErrorsMixin, forms.Form):
    """A form repeated on each row of a list page (one purchase, one payout…): its ids
    carry the row's id so the rows' labels and errors stay apart, and the row whose
    submission failed gets the bound form back with its errors in place."""

    row_id = ""

    @classmethod
    def for_row(cls, row_id: object, data=None, files=None, **kwargs):
        form = cls(data, files, auto_id=f"%s-{row_id}", **kwargs)
        form.row_id = str(row_id)
        return form

    @classmethod
    def pick(cls, row_id: object, failed: forms.Form | None, **kwargs):
        """``failed`` when it is this row's form, else a blank one for the row."""
        if isinstance(failed, cls) and failed.row_id == str(row_id):
            return failed
        return cls.for_row(row_id, **kwargs)

    @classmethod
    def refused(cls, row_id: object, error: ApplicationError):
        """The form of a bare button (no fields) whose service said no: the error on top."""
        form = cls.for_row(row_id, {})
        form.is_valid()
        form.add_service_error(error)
        return form

    @staticmethod
    def unplaced(failed: RowForm | None, row_ids) -> RowForm | None:
        """``failed`` when none of the page's rows is its own (the row left the list
        meanwhile, e.g. another moderator decided it): the page shows its errors above
        the list instead."""
        if failed is None or failed.row_id in {str(row_id) for row_id in row_ids}:
            return None
        return failed


class OrganizationCreateForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("Organization name"),
        max_length=200,
        help_text=_("Your company's name, as buyers and suppliers will see it."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    kind = forms.ChoiceField(
        label=_("What will you do on Leadmarket?"),
        choices=[
            (OrganizationKind.SUPPLIER, _("Sell leads (supplier)")),
            (OrganizationKind.BUYER, _("Buy leads (buyer)")),
            (OrganizationKind.BOTH, _("Both sell and buy")),
        ],
        widget=forms.RadioSelect,
    )


class OrganizationUpdateForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("Organization name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )


class InvitationForm(ServiceErrorsMixin, forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (MemberRole.MEMBER, _("Member — uses the organization")),
            (MemberRole.OWNER, _("Owner — also manages members and API keys")),
        ],
        initial=MemberRole.MEMBER,
    )


class ApiKeyForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("Key name"),
        max_length=100,
        help_text=_("Where the key is used, e.g. “Landing pages” or “CRM export”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class OrganizationSwitchForm(forms.Form):
    organization = forms.UUIDField()
    next = forms.CharField(required=False, max_length=2000)
