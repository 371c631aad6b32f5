"""The follow-up's dates: pure functions, no database (the rule tests compare them to a model).

last exposure   the end of the last encounter with the case (a trace's contact entry)
exposure day    the day, in TIME_ZONE, of the last second in contact: an encounter that
                ends at midnight ended on the day before
end date        exposure day + CONTACT_FOLLOW_UP_DAYS; quarantine or monitoring runs
                to the end of that day, and the follow-up closes itself the day after
"""

from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from core.dates import format_day, format_time


def zone() -> ZoneInfo:
    """The organisation's time zone (TIME_ZONE), in which days are counted."""
    return ZoneInfo(settings.TIME_ZONE)


def last_exposure(encounters: list[dict]) -> datetime:
    """The end of the latest encounter of a trace's contact (`start` ISO, `seconds`)."""
    return max(
        datetime.fromisoformat(e["start"]) + timedelta(seconds=e["seconds"]) for e in encounters
    )


def exposure_day(moment: datetime, zone: tzinfo) -> date:
    """The local day of the last second in contact (ends are exclusive)."""
    return (moment - timedelta(seconds=1)).astimezone(zone).date()


def end_date(moment: datetime, zone: tzinfo, days: int) -> date:
    return exposure_day(moment, zone) + timedelta(days=days)


def days_left(end: date, today: date) -> int:
    """0 on the last day; negative once past (the nightly close has not run yet)."""
    return (end - today).days


def explain(moment: datetime, zone: tzinfo, days: int) -> str:
    """The end date in words, as the medic and the e-mail state it."""
    local = moment.astimezone(zone)
    day = exposure_day(moment, zone)
    # The portal's one family (core/dates.py): Tue 18 Nov 2025, 14:25.
    end = day + timedelta(days=days)
    values = {
        "day": format_day(local.date()),
        "time": format_time(local),
        "last_day": format_day(day),
        "days": days,
        "end": format_day(end),
    }
    if day != local.date():
        return (
            _(
                "Last contact ended %(day)s, %(time)s (midnight: the last day of contact is "
                "%(last_day)s); %(days)d days after that day: until the end of %(end)s."
            )
            % values
        )
    return (
        _(
            "Last contact ended %(day)s, %(time)s; %(days)d days after that day: "
            "until the end of %(end)s."
        )
        % values
    )
