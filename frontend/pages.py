"""The portal's pages: one list that the navigation, the page views and /api/me share.

`roles` is who may open a page; an empty set means any signed-in person. `group` is the
navigation group the header files the page under (the work it serves), so that the frontend
groups pages without knowing any rule of its own.
"""

from dataclasses import dataclass, field

from core.roles import Role, roles_of


class Group:
    """The header's groups of pages, in the order the header shows them."""

    DESK = "Desk"
    MEDICAL = "Medical"
    ASSETS = "Assets"
    OVERSIGHT = "Oversight"
    FOR_ME = "For me"
    ALL = (DESK, MEDICAL, ASSETS, OVERSIGHT, FOR_ME)


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    group: str
    help: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    # A sign-in within TRACING_REAUTH_MINUTES (core/security.py), for the pages that reveal people.
    needs_recent_sign_in: bool = False

    @property
    def path(self) -> str:
        return f"/{self.slug}/"

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
        "Registration",
        Group.DESK,
        "Give a device to a person, take one back, or swap a broken or recalled one.",
        frozenset({Role.REGISTRATION}),
    ),
    Page(
        "status",
        "Status",
        Group.DESK,
        "Look up a device or a person: who holds what now, its state and its history.",
        frozenset({Role.REGISTRATION}),
    ),
    Page(
        "found",
        "Found",
        Group.DESK,
        "Scan a found device to see whom to return it to, or record a device reported lost.",
        frozenset({Role.REGISTRATION}),
    ),
    Page(
        "desk",
        "Desk day",
        Group.DESK,
        "Today's appointments at your desk: check people in, mark no-shows, follow hand-outs.",
        frozenset({Role.REGISTRATION}),
    ),
    Page(
        "appointments",
        "Appointments",
        Group.FOR_ME,
        "Book, move or cancel a time to pick up or swap your device.",
    ),
    Page(
        "tracking",
        "Tracking",
        Group.MEDICAL,
        "Find the close contacts of a person in their infectious period. Every trace is audited.",
        frozenset({Role.MEDICAL}),
        needs_recent_sign_in=True,
    ),
    Page(
        "cases",
        "Cases",
        Group.MEDICAL,
        "Open and keep cases: their dates, notes, traces, follow-ups and chain; clusters and "
        "figures.",
        frozenset({Role.MEDICAL}),
        needs_recent_sign_in=True,
    ),
    Page(
        "follow-ups",
        "Follow-ups",
        Group.MEDICAL,
        "Your close contacts to follow up, most urgent first: tell them by e-mail until when "
        "to stay at home, and record what happened.",
        frozenset({Role.MEDICAL}),
        needs_recent_sign_in=True,
    ),
    Page(
        "approvals",
        "Approvals",
        Group.OVERSIGHT,
        "Approve or refuse another person's request to name the contacts of a trace: you see "
        "the reason and the numbers, never the names.",
        frozenset({Role.MEDICAL, Role.PRIVACY}),
        needs_recent_sign_in=True,
    ),
    Page(
        "risk-models",
        "Risk models",
        Group.MEDICAL,
        "The published models that turn Bluetooth signal data into a risk, with a calculator.",
        frozenset({Role.MEDICAL}),
    ),
    Page(
        "audit",
        "Audit",
        Group.OVERSIGHT,
        "Who traced whom, when and why: every trace, reopening and export of the medical service.",
        frozenset({Role.PRIVACY}),
    ),
    Page(
        "stats",
        "Statistics",
        Group.OVERSIGHT,
        "Active proximeters, encounters and hand-outs per closed day; traces per week; "
        "close contacts under each rule. No small counts.",
        frozenset({Role.MEDICAL, Role.PRIVACY, Role.REGISTRATION}),
    ),
    Page(
        "stock",
        "Stock",
        Group.ASSETS,
        "Devices per state, batch and firmware; lost and broken this month; a warning when "
        "stock runs low.",
        frozenset({Role.ASSETS}),
    ),
    Page(
        "inventory",
        "Inventory check",
        Group.ASSETS,
        "Scan the devices on the shelf: see which should be there and are not, and which are "
        "there but should not be.",
        frozenset({Role.ASSETS}),
    ),
    Page(
        "my-data",
        "My data",
        Group.FOR_ME,
        "See the data the service keeps about you: your encounters, devices and appointments.",
    ),
    Page(
        "location-risk",
        "Location risk",
        Group.FOR_ME,
        "Check, on your own device, whether places you went were visited by people who tested "
        "positive. Your location history never leaves your browser.",
    ),
    Page(
        "transparency",
        "Transparency",
        Group.FOR_ME,
        "What the service did, in numbers only: traces per month, devices in service, and what is "
        "kept for how long.",
    ),
)

PAGES_BY_SLUG = {page.slug: page for page in PAGES}


def pages_for(user) -> list[Page]:
    """The pages this user may open, in navigation order: group by group, as the header shows."""
    allowed = [page for page in PAGES if page.allows(user)]
    return sorted(allowed, key=lambda page: Group.ALL.index(page.group))
