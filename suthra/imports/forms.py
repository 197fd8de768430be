from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suthra.imports import registry
from suthra.imports.services import size_message

ACCEPT = (
    ".csv,.txt,.tsv,.xlsx,text/csv,"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What is in the file"))
    file = forms.FileField(
        label=gettext_lazy("File (CSV or Excel .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        # Handlers mark their labels with gettext_noop.
        kind.choices = [(h.kind, _(h.label)) for h in registry.uploadable()]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(size_message(upload.size))
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload
