"""Validators shared by the apps."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# A name that goes into e-mail subjects, CSV cells and headers: one line, printable.
one_line = RegexValidator(
    r"^[^\x00-\x1f\x7f]*$",
    _("Use one line of text: no line breaks, tabs or other control characters."),
    code="control_characters",
)
