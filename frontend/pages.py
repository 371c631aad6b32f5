"""The portal's pages: one list that the navigation, the page views and /api/me share.

`roles` is who may open a page; an empty set means any signed-in person. `group` is the
navigation group the header files the page under (the work it serves), so that the frontend
groups pages without knowing any rule of its own.
"""

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.roles import Role, roles_of


class Group:
    """The header's groups of pages, in the order the header shows them."""

    DESK = "Desk"
    MEDICAL = "Medical"
    ASSETS = "Assets"
    OVERSIGHT = "Oversight"
    FOR_ME = "For me"
    ALL = (DESK, MEDICAL, ASSETS, OVERSIGHT, FOR_ME)
    # The group's name as a reader sees it, in their language. The constants above stay the
    # stable key (/api/me's `group`, the header's ids); `group_label` carries these words.
    LABELS = {
        DESK: pgettext_lazy("navigation group", "Desk"),
        MEDICAL: pgettext_lazy("navigation group", "Medical"),
        ASSETS: pgettext_lazy("navigation group", "Assets"),
        OVERSIGHT: pgettext_lazy("navigation group", "Oversight"),
        FOR_ME: pgettext_lazy("navigation group", "For me"),
    }

    @classmethod
    def label(cls, group: str) -> str:
        """The group's name in the active language ("Desk" -> "Guichet")."""
        return str(cls.LABELS.get(group, group))


@dataclass(frozen=True)
class Page:
    slug: str
    title: str | Promise  # translated when read (gettext_lazy)
    group: str  # a Group constant: a key, never translated
    help: str | Promise
    roles: frozenset[Role] = field(default_factory=frozenset)
    # A sign-in within TRACING_REAUTH_MINUTES (core/security.py), for the pages that reveal people.
    needs_recent_sign_in: bool = False

    @property
    def path(self) -> str:
        return f"/{self.slug}/"

    @property
    def group_label(self) -> str:
        """The navigation group's name in the reader's language."""
        return Group.label(self.group)

    @property
    def help_url(self) -> str:
        """This page's section of the user guide (docs/user-guide/<slug>.md, served at /help/)."""
        return f"/help/{self.slug}/"

    def allows(self, user) -> bool:
        if not user.is_authenticated or not user.is_active:
            return False
        return not self.roles or bool(self.roles & roles_of(user))


PAGES = (
    Page(
        "registration",
        _("Registration"),
        Group.DESK,
        _("Give a device to a person, take one back, or swap a broken or recalled one."),
        frozenset({Role.REGISTRATION}),
    ),
    Page(
        "status",
        _("Status"),
        Group.DESK,
        _("Look up a device or a person: who holds what now, its state and its history."),
        frozenset({Role.REGISTRATION}),
    ),
    Page(
        "found",
        _("Found"),
        Group.DESK,
        _("Scan a found device to see whom to return it to, or record a device reported lost."),
        frozenset({Role.REGISTRATION}),
    ),
    Page(
        "desk",
        _("Desk day"),
        Group.DESK,
        _("Today's appointments at your desk: check people in, mark no-shows, follow hand-outs."),
        frozenset({Role.REGISTRATION}),
    ),
    Page(
        "appointments",
        _("Appointments"),
        Group.FOR_ME,
        _("Book, move or cancel a time to pick up or swap your device."),
    ),
    Page(
        "tracking",
        _("Tracking"),
        Group.MEDICAL,
        _(
            "Find the close contacts of a person in their infectious period. Every trace is "
            "audited."
        ),
        frozenset({Role.MEDICAL}),
        needs_recent_sign_in=True,
    ),
    Page(
        "cases",
        _("Cases"),
        Group.MEDICAL,
        _(
            "Open and keep cases: their dates, notes, traces, follow-ups and chain; clusters and "
            "figures."
        ),
        frozenset({Role.MEDICAL}),
        needs_recent_sign_in=True,
    ),
    Page(
        "follow-ups",
        _("Follow-ups"),
        Group.MEDICAL,
        _(
            "Your close contacts to follow up, most urgent first: tell them by e-mail until when "
            "to stay at home, and record what happened."
        ),
        frozenset({Role.MEDICAL}),
        needs_recent_sign_in=True,
    ),
    Page(
        "approvals",
        _("Approvals"),
        Group.OVERSIGHT,
        _(
            "Approve or refuse another person's request to name the contacts of a trace: you see "
            "the reason and the numbers, never the names."
        ),
        frozenset({Role.MEDICAL, Role.PRIVACY}),
        needs_recent_sign_in=True,
    ),
    Page(
        "risk-models",
        _("Risk models"),
        Group.MEDICAL,
        _("The published models that turn Bluetooth signal data into a risk, with a calculator."),
        frozenset({Role.MEDICAL}),
    ),
    Page(
        "audit",
        _("Audit"),
        Group.OVERSIGHT,
        _(
            "Who traced whom, when and why: every trace, reopening and export of the medical "
            "service."
        ),
        frozenset({Role.PRIVACY}),
    ),
    Page(
        "stats",
        _("Statistics"),
        Group.OVERSIGHT,
        _(
            "Active proximeters, encounters and hand-outs per closed day; traces per week; "
            "close contacts under each rule. No small counts."
        ),
        frozenset({Role.MEDICAL, Role.PRIVACY, Role.REGISTRATION}),
    ),
    Page(
        "stock",
        _("Stock"),
        Group.ASSETS,
        _(
            "Devices per state, batch and firmware; lost and broken this month; a warning when "
            "stock runs low."
        ),
        frozenset({Role.ASSETS}),
    ),
    Page(
        "inventory",
        _("Inventory check"),
        Group.ASSETS,
        _(
            "Scan the devices on the shelf: see which should be there and are not, and which are "
            "there but should not be."
        ),
        frozenset({Role.ASSETS}),
    ),
    Page(
        "my-data",
        _("My data"),
        Group.FOR_ME,
        _("See the data the service keeps about you: your encounters, devices and appointments."),
    ),
    Page(
        "location-risk",
        _("Location risk"),
        Group.FOR_ME,
        _(
            "Check, on your own device, whether places you went were visited by people who tested "
            "positive. Your location history never leaves your browser."
        ),
    ),
    Page(
        "transparency",
        _("Transparency"),
        Group.FOR_ME,
        _(
            "What the service did, in numbers only: traces per month, devices in service, and "
            "what is kept for how long."
        ),
    ),
)

PAGES_BY_SLUG = {page.slug: page for page in PAGES}


def pages_for(user) -> list[Page]:
    """The pages this user may open, in navigation order: group by group, as the header shows."""
    allowed = [page for page in PAGES if page.allows(user)]
    return sorted(allowed, key=lambda page: Group.ALL.index(page.group))
