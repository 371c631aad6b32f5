"""Secondary suppression against an attacker who enumerates every value a hidden cell could
take, knowing the rule: "< N" is 1..N-1, "hidden" is N up to its line's total and the
smallest figure shown beside it, and every published total is exact.

The attacker here shares no code with core/small_counts.py: it searches integer values
(depth first, each line with one unknown left fixes it) and reports every cell that only
one value fits.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.small_counts import HIDDEN, protect, shown

MIN = 5


def recover(published: dict, lines: list, *, cap: int, truth: dict, shown_alone=()) -> dict:
    """Hidden cell -> its value, for every hidden cell that only one value fits.

    "< N" is 0..N-1 in a table with totals (zeros are shown so there too), 1..N-1 for the
    cells of `shown_alone` (shown by an earlier release without totals, where 0 is 0).
    """
    hidden = [k for k, v in published.items() if isinstance(v, str)]
    members = [[total, *parts] for total, parts in lines]

    def bounds(k):
        if published[k] == f"< {MIN}":
            return (1 if k in shown_alone else 0), MIN - 1
        assert published[k] == HIDDEN
        if any(k == total and set(parts) <= set(shown_alone) for total, parts in lines):
            return 0, cap  # a total of figures shown before: anything
        upper = cap
        smallest = 0
        for total, parts in lines:
            if k not in (total, *parts):
                continue
            if k in parts and isinstance(published[total], int):
                upper = min(upper, published[total])
            beside = [
                published[c]
                for c in (total, *parts)
                if c != k
                and c not in shown_alone  # shown before: the rule could not pick them
                and isinstance(published[c], int)
                and published[c] >= MIN
            ]
            smallest = max(smallest, min(beside, default=cap))
        return MIN, min(upper, smallest)

    domain = {k: range(bounds(k)[0], bounds(k)[1] + 1) for k in hidden}
    assigned: dict = {}

    def value(k):
        return published[k] if isinstance(published[k], int) else assigned.get(k)

    def feasible() -> bool:
        """Depth first: can the unassigned hidden cells take values that fit every line?"""
        forced = []
        try:
            progress = True
            while progress:
                progress = False
                for (total, parts), member in zip(lines, members, strict=True):
                    unknown = [k for k in member if value(k) is None]
                    if len(unknown) > 1:
                        continue
                    known_parts = sum(value(p) for p in parts if value(p) is not None)
                    if not unknown:
                        if value(total) != known_parts:
                            return False
                        continue
                    (k,) = unknown
                    v = known_parts if k == total else value(total) - known_parts
                    if v not in domain[k]:
                        return False
                    assigned[k] = v
                    forced.append(k)
                    progress = True
            free = [k for member in members for k in member if value(k) is None]
            if not free:
                return True
            k = min(free, key=lambda c: len(domain[c]))
            for v in domain[k]:
                assigned[k] = v
                try:
                    if feasible():
                        return True
                finally:
                    del assigned[k]
            return False
        finally:
            for k in forced:
                del assigned[k]

    assert all(truth[k] in domain[k] for k in hidden)  # the attacker's model is sound
    recovered = {}
    for k in hidden:
        # The true value fits; a cell is recovered when no other value does.
        values = [v for v in domain[k] if v != truth[k]]
        others = 0
        for v in values:
            assigned[k] = v
            others += feasible()
            del assigned[k]
            if others:
                break
        if not others:
            recovered[k] = truth[k]
    return recovered


def two_way(rows: list[list[int]]):
    """Cells and lines of a table with row totals, column totals and the grand total."""
    cells = {}
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            cells[(r, c)] = v
    n_rows, n_cols = len(rows), len(rows[0])
    for r in range(n_rows):
        cells[("row", r)] = sum(rows[r])
    for c in range(n_cols):
        cells[("col", c)] = sum(row[c] for row in rows)
    cells["all"] = sum(map(sum, rows))
    lines = [(("row", r), [(r, c) for c in range(n_cols)]) for r in range(n_rows)]
    lines += [(("col", c), [(r, c) for r in range(n_rows)]) for c in range(n_cols)]
    lines += [("all", [("row", r) for r in range(n_rows)])]
    lines += [("all", [("col", c) for c in range(n_cols)])]
    return cells, lines


counts = st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 14])
tables = st.integers(1, 3).flatmap(
    lambda n_cols: st.lists(
        st.lists(counts, min_size=n_cols, max_size=n_cols), min_size=1, max_size=3
    )
)
lists_with_total = st.lists(counts, min_size=1, max_size=6)


def attack(cells, lines, published, shown_alone=()):
    truth_cap = max(cells.values()) + MIN
    recovered = recover(published, lines, cap=truth_cap, truth=cells, shown_alone=shown_alone)
    return recovered


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_no_hidden_cell_of_a_table_with_margins_can_be_recovered(rows):
    cells, lines = two_way(rows)
    published = protect(cells, lines, minimum=MIN)
    for k, v in published.items():
        if 0 < cells[k] < MIN:
            assert v == f"< {MIN}"  # every small count stays hidden
        elif isinstance(v, int):
            assert v == cells[k]  # what is shown is true
    assert attack(cells, lines, published) == {}


@settings(max_examples=300, deadline=None)
@given(lists_with_total)
def test_no_hidden_part_of_a_list_with_its_total_can_be_recovered(parts):
    cells = {n: v for n, v in enumerate(parts)} | {"total": sum(parts)}
    lines = [("total", list(range(len(parts))))]
    assert attack(cells, lines, protect(cells, lines, minimum=MIN)) == {}


@settings(max_examples=200, deadline=None)
@given(lists_with_total)
def test_parts_published_before_keep_their_figures_and_the_total_is_hidden_instead(parts):
    """Weeks shown in earlier releases, the month that sums them shown later."""
    cells = {n: v for n, v in enumerate(parts)} | {"total": sum(parts)}
    lines = [("total", list(range(len(parts))))]
    published = protect(cells, lines, minimum=MIN, fixed=range(len(parts)))
    for n, v in enumerate(parts):
        assert published[n] == shown_at(v)  # as the earlier releases showed them
    assert attack(cells, lines, published, shown_alone=range(len(parts))) == {}


def shown_at(v):
    return f"< {MIN}" if 0 < v < MIN else v


@settings(max_examples=200, deadline=None)
@given(tables)
def test_the_attack_succeeds_on_primary_suppression_alone_when_a_line_has_one_small_cell(rows):
    """Proof that the attacker can win: with "< N" alone, a line holding exactly one small
    count gives it away."""
    cells, lines = two_way(rows)
    primary_only = {k: shown_at(v) for k, v in cells.items()}  # 0 shown as 0: "< 5" is 1..4
    lonely = [
        k
        for total, parts in lines
        for k in (total, *parts)
        if isinstance(primary_only[k], str)
        and sum(isinstance(primary_only[c], str) for c in (total, *parts)) == 1
    ]
    recovered = attack(cells, lines, primary_only, shown_alone=cells)
    for k in lonely:
        assert recovered[k] == cells[k]


def test_the_attack_recovers_a_small_count_from_its_total():
    cells = {"a": 3, "b": 12, "c": 20, "total": 35}
    lines = [("total", ["a", "b", "c"])]
    old_rule = {k: shown_at(v) for k, v in cells.items()}
    assert attack(cells, lines, old_rule, shown_alone=cells) == {"a": 3}
    published = protect(cells, lines, minimum=MIN)
    assert published == {"a": "< 5", "b": HIDDEN, "c": 20, "total": 35}
    assert attack(cells, lines, published) == {}


def test_two_small_counts_that_can_only_be_four_and_four_are_not_left_alone():
    cells = {"a": 4, "b": 4, "c": 20, "total": 28}
    lines = [("total", ["a", "b", "c"])]
    published = protect(cells, lines, minimum=MIN)
    assert published["c"] == HIDDEN or published["total"] == HIDDEN
    assert attack(cells, lines, published) == {}


def test_a_cell_in_three_lines_is_refused():
    with pytest.raises(ValueError):
        protect({"a": 1, "b": 1, "c": 1, "d": 1}, [("a", ["b"]), ("c", ["b"]), ("d", ["b"])])


def test_shown_keeps_the_small_count_rule(settings):
    settings.STATS_MIN_COUNT = 5
    assert [shown(n) for n in (0, 1, 4, 5)] == [0, "< 5", "< 5", 5]
