"""Request bodies every API view reads: JSON that cannot crash a view.

DRF's JSON parser lets two kinds of hostile body through to a 500: JSON
nested deeper than Python's recursion limit (14 kB of "[[[[..." is enough),
and a lone UTF-16 surrogate ("\\ud800"), which decodes into a string that no
database, log or JSON answer can encode. Both are refused here with a 400.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32  # no API body is deeper than a few levels


def check_parsed(value, depth: int = 0) -> None:
    """Refuse (400) parsed JSON nested too deeply or holding text that is not Unicode."""
    if depth > MAX_DEPTH:
        raise ParseError(
            _("The JSON body is nested deeper than %(depth)d levels.") % {"depth": MAX_DEPTH}
        )
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ParseError(_("The JSON body holds text that is not valid Unicode.")) from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            check_parsed(key, depth + 1)
            check_parsed(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_parsed(item, depth + 1)


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("The JSON body is nested too deeply.")) from exc
        check_parsed(data)
        return data
