"""Reads of contact follow-up: case lists, the worklist, a case's chain, the supervisor figures.

Names come from the associations database, joined here in memory for the
medical service (the people a trace has already named, audited then).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case as Case_
from django.db.models import Count, Min, Q, When
from django.utils import timezone

from cases.models import Case, CaseTrace, Exposure, FollowUp, Notification
from core.small_counts import protect, shown
from registration.models import Person


def names_of(person_ids) -> dict[str, Person]:
    return {p.person_id: p for p in Person.objects.filter(person_id__in=set(person_ids))}


def case_list(*, status: str = "", q: str = "", mine_of: str = "") -> list[Case]:
    """Cases, newest first; `q` matches a reference, a person number or an index person's name."""
    cases = Case.objects.annotate(
        follow_up_count=Count("follow_ups", distinct=True),
        open_follow_ups=Count(
            "follow_ups", filter=Q(follow_ups__status__in=FollowUp.OPEN), distinct=True
        ),
    )
    if status:
        cases = cases.filter(status=status)
    if mine_of:
        cases = cases.filter(created_by=mine_of)
    q = q.strip()
    if q:
        people = Person.objects.filter(
            Q(family_name__icontains=q) | Q(given_name__icontains=q) | Q(person_id__iexact=q)
        ).values_list("person_id", flat=True)[:200]
        cases = cases.filter(
            Q(reference__icontains=q) | Q(person_id__iexact=q) | Q(person_id__in=list(people))
        )
    return list(cases[:500])


def worklist(
    *,
    assigned_to: str = "",
    status: str = "",
    case_id: int | None = None,
    include_closed: bool = False,
) -> list[FollowUp]:
    """Open follow-ups (or those of `status`, or all), most urgent first: open ones, not yet
    notified, then the soonest end."""
    follow_ups = FollowUp.objects.select_related("case")
    if status:
        follow_ups = follow_ups.filter(status=status)
    elif not include_closed:
        follow_ups = follow_ups.filter(status__in=FollowUp.OPEN)
    if assigned_to:
        follow_ups = follow_ups.filter(assigned_to=assigned_to)
    if case_id is not None:
        follow_ups = follow_ups.filter(
            Q(case_id=case_id) | Q(exposures__case_trace__case_id=case_id)
        )
    # Ordered in the database, so the cut keeps the most urgent ones (closed ones last).
    follow_ups = follow_ups.distinct().order_by(
        Case_(When(status__in=FollowUp.OPEN, then=0), default=1),
        Case_(When(status=FollowUp.Status.TO_CONTACT, then=0), default=1),
        "end_date",
        "pk",
    )
    return list(follow_ups[:2000])


def notifications_of(follow_ups) -> tuple[dict[int, Notification], dict[int, Notification]]:
    """Each follow-up's last e-mail, and its last e-mail that left (one query)."""
    latest, last_sent = {}, {}
    notifications = Notification.objects.filter(follow_up__in=list(follow_ups))
    for notification in notifications.order_by("at", "pk"):
        latest[notification.follow_up_id] = notification
        if notification.sent:
            last_sent[notification.follow_up_id] = notification
    return latest, last_sent


def chain(case: Case) -> dict:
    """The case and its close contacts two levels deep, in time order, each node a record.

    Level 1: the follow-ups its traces opened or moved; level 2: those found by tracing a
    level-1 contact in turn. A contact that became a case shows that case as its child.
    """
    nodes, edges = {}, []

    def case_node(c: Case) -> str:
        key = f"case-{c.pk}"
        nodes.setdefault(
            key,
            {
                "id": key,
                "kind": "case",
                "record": c.pk,
                "reference": c.reference,
                "person_id": c.person_id,
                "status": c.status,
                "at": c.created_at,
            },
        )
        return key

    def follow_up_node(f: FollowUp, level: int) -> str:
        key = f"follow-up-{f.pk}"
        nodes.setdefault(
            key,
            {
                "id": key,
                "kind": "follow_up",
                "record": f.pk,
                "reference": f.case.reference,
                "person_id": f.person_id,
                "status": f.status,
                "at": f.last_exposure,
                "level": level,
            },
        )
        return key

    root = case_node(case)
    for link in (
        CaseTrace.objects.filter(case=case)
        .select_related("follow_up__case")
        .prefetch_related("exposures__follow_up__case")
    ):
        parent = (
            root
            if link.degree == 1
            else (follow_up_node(link.follow_up, 1) if link.follow_up else root)
        )
        level = 1 if link.degree == 1 else 2
        for exposure in link.exposures.all():
            child = follow_up_node(exposure.follow_up, level)
            edges.append({"from": parent, "to": child, "at": exposure.last_exposure})
    contacts = {n["record"]: key for key, n in nodes.items() if n["kind"] == "follow_up"}
    for became in Case.objects.filter(source_follow_up_id__in=list(contacts)):
        source = contacts[became.source_follow_up_id]
        edges.append({"from": source, "to": case_node(became), "at": became.created_at})
    if case.source_follow_up_id:
        source = FollowUp.objects.select_related("case").get(pk=case.source_follow_up_id)
        origin = case_node(source.case)
        edges.append({"from": origin, "to": follow_up_node(source, 1), "at": source.last_exposure})
        edges.append({"from": f"follow-up-{source.pk}", "to": root, "at": case.created_at})
    people = names_of(n["person_id"] for n in nodes.values())
    for node in nodes.values():
        person = people.get(node["person_id"])
        node["name"] = person.full_name if person else ""
    ordered = sorted(nodes.values(), key=lambda n: (n["at"], n["id"]))
    edges.sort(key=lambda e: (e["at"], e["from"], e["to"]))
    return {"root": root, "nodes": ordered, "edges": edges}


def figures(*, now=None) -> dict:
    """What a supervisor watches, with small counts suppressed as in statistics."""
    now = now or timezone.now()
    by_status = dict(
        FollowUp.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    # Reached: the first e-mail that left, or the first status set by hand after "to contact"
    # (a contact told by phone is notified too).
    reached = (
        FollowUp.objects.filter(created_at__lte=now - timedelta(hours=24))
        .annotate(
            first=Min(
                "events__at",
                filter=Q(events__kind="notified")
                | Q(events__kind="status", events__from_status="to_contact"),
            )
        )
        .values_list("created_at", "first")
    )
    due = len(reached)
    in_time = sum(
        1
        for created, first in reached
        if first is not None and first - created <= timedelta(hours=24)
    )
    traced_cases = Case.objects.filter(traces__isnull=False).distinct()
    per_case = [c.n for c in traced_cases.annotate(n=Count("follow_ups", distinct=True))]
    minimum = settings.STATS_MIN_COUNT
    statuses = {status: shown(by_status.get(status, 0)) for status in FollowUp.Status.values}
    # The percentage tells "in time" and "late" beside their total: one line of the
    # secondary suppression (core.small_counts.protect), shown only when both stay shown.
    reach = protect(
        {"due": due, "in_time": in_time, "late": due - in_time}, [("due", ["in_time", "late"])]
    )
    return {
        "open_cases": shown(Case.objects.filter(status=Case.Status.OPEN).count()),
        "follow_ups_by_status": statuses,
        "notified_within_24h_percent": (
            round(100 * in_time / due)
            if due and all(isinstance(reach[k], int) for k in ("due", "in_time", "late"))
            else None
        ),
        "notified_within_24h_of": reach["due"],
        "lost_to_follow_up": statuses[FollowUp.Status.LOST],
        # The mean times the cases gives the follow-ups in total, the margin of the counts
        # per status: shown only when no status count is hidden, so that it tells nothing
        # the counts shown do not.
        "mean_contacts_per_case": (
            round(sum(per_case) / len(per_case), 1)
            if len(per_case) >= minimum and all(isinstance(n, int) for n in statuses.values())
            else None
        ),
        "traced_cases": shown(len(per_case)),
        "min_count": minimum,
        "zone": settings.TIME_ZONE,
    }


def my_notifications(*, person_id: str) -> list[Notification]:
    """What MY DATA shows a person: when they were notified, and until when."""
    return list(
        Notification.objects.filter(follow_up__person_id=person_id, sent=True).select_related(
            "follow_up"
        )
    )


# --- Retention ------------------------------------------------------------------------


def cases_releasable(cases):
    """Of these closed cases, those the purge may delete: none of their follow-ups is still
    open, and none began here and was found again for a case outside `cases` (it stays)."""
    cases = cases.exclude(follow_ups__status__in=FollowUp.OPEN)
    staying = Exposure.objects.filter(follow_up__case__in=cases).exclude(case_trace__case__in=cases)
    return cases.exclude(pk__in=staying.values("follow_up__case"))


def cases_expired(*, now: datetime):
    """Cases closed more than CASE_RETENTION_DAYS before `now`."""
    cutoff = now - timedelta(days=settings.CASE_RETENTION_DAYS)
    return Case.objects.filter(status=Case.Status.CLOSED, closed_at__lt=cutoff)


def closed_case_oldest(*, now: datetime) -> datetime | None:
    """When the longest-closed case still kept was closed, leaving out the cases the purge
    keeps on purpose (a follow-up of theirs is open, or belongs to a case that stays)."""
    expired = cases_expired(now=now)
    held = expired.exclude(pk__in=cases_releasable(expired).values("pk"))
    closed = Case.objects.filter(status=Case.Status.CLOSED).exclude(pk__in=held.values("pk"))
    return closed.aggregate(oldest=Min("closed_at"))["oldest"]
