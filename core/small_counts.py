"""The small-count rule of every published figure: a count from 1 to STATS_MIN_COUNT - 1 is
shown as "< STATS_MIN_COUNT" (statistics, transparency, the follow-up figures)."""

from django.conf import settings


def shown(count: int) -> int | str:
    """The small-count rule."""
    minimum = settings.STATS_MIN_COUNT
    return f"< {minimum}" if 0 < count < minimum else count
