"""Date fields of the API with a range the portal can compute with.

A date far from today is not a value anyone means (year 1, year 9999), and
converting it to UTC or adding a day overflows Python's datetime: every API
date or time is between 1970 and 2200, and anything else is a 400 that says so.
"""

from datetime import date, datetime

from django.utils.functional import lazy
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

EARLIEST, LATEST = date(1970, 1, 1), date(2200, 12, 31)
OUT_OF_RANGE = lazy(
    lambda: (
        gettext("Give a date between %(first)d and %(last)d.")
        % {"first": EARLIEST.year, "last": LATEST.year}
    ),
    str,
)()


class DateTimeField(serializers.DateTimeField):
    default_error_messages = {"out_of_range": OUT_OF_RANGE}

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not EARLIEST <= parsed.date() <= LATEST:
            self.fail("out_of_range")
        return parsed

    def enforce_timezone(self, value: datetime) -> datetime:
        # Before the zone is applied: year 1 in a zone east of UTC is year 0 in UTC.
        if not EARLIEST <= value.date() <= LATEST:
            self.fail("out_of_range")
        return super().enforce_timezone(value)


class DateField(serializers.DateField):
    default_error_messages = {"out_of_range": OUT_OF_RANGE}

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not EARLIEST <= parsed <= LATEST:
            self.fail("out_of_range")
        return parsed


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 0},
            {"type": "string", "pattern": "^(< [0-9]+|hidden)$", "example": "< 5"},
        ],
        "description": 'A count, or "< min_count" when it is smaller (never 1 to min_count - 1), '
        'or "hidden" where a total beside it would give a small count away.',
    }
)
class ShownCountField(serializers.Field):
    """A count under the small-count rule (core.small_counts): a number, "< N", or "hidden"
    (hidden in second place so that a small count beside a total stays hidden)."""

    def to_representation(self, value):
        return value
