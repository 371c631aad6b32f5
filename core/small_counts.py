"""The small-count rule of every published figure, and the secondary suppression that keeps a
hidden count hidden when totals are published beside it.

Primary suppression: a count from 1 to STATS_MIN_COUNT - 1 is shown as "< STATS_MIN_COUNT"
(statistics, transparency, the follow-up figures, the policy what-if). In a table with
totals, a 0 in a line with a small count is shown as "< N" as well, so that "< N" there
means 0..N-1.

Secondary suppression (`protect`): where a published figure is the sum of others (a *line*:
total = part + part + ...), one hidden part is the total minus the parts shown. The classic
rule of statistical offices (Cox, "Linear sensitivity measures in statistical disclosure
control", J. Stat. Planning & Inference 5, 1981; Hundepool et al., *Statistical Disclosure
Control*, Wiley 2012, section 4.2 "the hypercube method" and its line condition) is applied
first: no line may have exactly one hidden cell, so the smallest figure shown beside it is
hidden too. Then every hidden cell is audited the way an attacker would attack it: knowing
that a "< N" cell lies in 1..N-1, that a cell hidden as "hidden" is at least N (only counts
that were shown can be hidden in second place) and at most its line's total and the smallest
figure shown in its line (the rule hides the smallest), could the cell take another integer
value with every published equation still holding? For tables whose cells each lie in at
most two lines (a two-way table with margins, a single list with its total) the equations
form a network, and another value exists exactly when a cycle of hidden cells can move by
one unit within their bounds (the unit-cycle argument of network flows, e.g. Ahuja, Magnanti
& Orlin, *Network Flows*, 1993, theorem 3.5, flow decomposition). A cell that cannot move
gets one more cell of its lines hidden, the smallest, until none is pinned.

The suppression of a table depends only on the table's figures, so two releases of the
same figures show the same cells (docs/user-guide/stats.md, "Totals and two releases").
"""

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings

HIDDEN = "hidden"  # a figure hidden in second place, so that a small one stays hidden

Line = tuple[Hashable, Sequence[Hashable]]  # (total, parts): total = sum(parts)


def shown(count: int) -> int | str:
    """The small-count rule."""
    minimum = settings.STATS_MIN_COUNT
    return f"< {minimum}" if 0 < count < minimum else count


@dataclass
class _Cell:
    value: int
    primary: bool
    hidden: bool
    fixed: bool  # published before (another release): may not be hidden now
    lines: list[tuple[int, int]]  # (line index, coefficient: +1 a part, -1 the total)
    open: bool = False  # hidden with no bound an attacker could use (see `protect`)


def protect(
    cells: dict[Hashable, int],
    lines: Iterable[Line] = (),
    *,
    minimum: int | None = None,
    fixed: Iterable[Hashable] = (),
) -> dict[Hashable, int | str]:
    """Each cell as published: its count, "< N" (primary) or HIDDEN (secondary).

    `lines`: the published equations, total = sum of parts; each cell in at most two.
    `fixed`: cells an earlier release already showed; they are never hidden in second
    place (the total, published later, is hidden instead).
    """
    minimum = settings.STATS_MIN_COUNT if minimum is None else minimum
    keys = list(cells)
    fixed = set(fixed)
    table = {
        key: _Cell(value, 0 < value < minimum, 0 < value < minimum, key in fixed, [])
        for key, value in cells.items()
    }
    line_list = [(total, list(parts)) for total, parts in lines]
    for index, (total, parts) in enumerate(line_list):
        table[total].lines.append((index, -1))
        for part in parts:
            table[part].lines.append((index, 1))
    members = [[total, *parts] for total, parts in line_list]
    small_lines = {
        index for index, member in enumerate(members) if any(table[k].primary for k in member)
    }
    zero_totals = {index for index, member in enumerate(members) if table[member[0]].value == 0}
    for cell in table.values():
        # A zero beside a small count is shown as "< N" too: "< N" then means 0..N-1, and a
        # line of small counts cannot be pinned by the knowledge that none of them is 0.
        # (Not in a line whose total is 0: its parts are all 0, for everyone to see.)
        lines_of = {index for index, _ in cell.lines}
        if (
            not cell.fixed
            and cell.value == 0
            and lines_of & small_lines
            and not lines_of & zero_totals
        ):
            cell.primary = cell.hidden = True
    for total, parts in line_list:
        # A total of figures shown before is hidden whole, never shown as "< N": those
        # figures are known to be 1..N-1 each, and a small total would pin them.
        if parts and all(table[p].fixed for p in parts) and table[total].primary:
            table[total].primary, table[total].open = False, True
    if any(len(cell.lines) > 2 for cell in table.values()):
        raise ValueError("A cell lies in more than two lines: the audit does not cover that.")
    order = {key: n for n, key in enumerate(keys)}

    def hide_smallest(candidate_lines: Iterable[int]) -> bool:
        candidates = {
            key
            for index in candidate_lines
            for key in members[index]
            if not table[key].hidden and not table[key].fixed and table[key].value >= minimum
        }
        if not candidates:
            return False
        chosen = min(candidates, key=lambda k: (table[k].value, order[k]))
        table[chosen].hidden = True
        return True

    while True:
        # The line rule: no line with exactly one hidden cell.
        single = [
            index
            for index, member in enumerate(members)
            if sum(table[key].hidden for key in member) == 1
        ]
        if single and any(hide_smallest([index]) for index in single[:1]):
            continue
        pinned = next(
            (key for key in keys if table[key].hidden and _pinned(key, table, members, minimum)),
            None,
        )
        if pinned is None:
            break
        own = [index for index, _ in table[pinned].lines]
        if hide_smallest(own):
            continue
        # Every figure of its lines is hidden already: widen to the lines next to them.
        near = {i for index in own for key in members[index] for i, _ in table[key].lines}
        if not hide_smallest(near):
            break  # nothing left to hide: the audit in the tests would show it
    return {
        key: (f"< {minimum}" if cell.primary else HIDDEN) if cell.hidden else cell.value
        for key, cell in table.items()
    }


def _bounds(key, table, members, minimum) -> tuple[int, float]:
    """What an attacker knows of a hidden cell: "< N" is 0..N-1 (1..N-1 for a figure an
    earlier release showed without totals), "hidden" is N..(its total, the smallest figure
    shown in its lines)."""
    cell = table[key]
    if cell.open:
        return 0, float("inf")
    if cell.primary:
        return (1 if cell.fixed else 0), minimum - 1
    upper = float("inf")
    smallest_shown = 0.0
    for index, coefficient in cell.lines:
        total = members[index][0]
        if coefficient == 1 and not table[total].hidden:
            upper = min(upper, table[total].value)
        shown_values = [
            table[k].value
            for k in members[index]
            if not table[k].hidden and not table[k].fixed and table[k].value >= minimum and k != key
        ]
        smallest_shown = max(smallest_shown, min(shown_values, default=float("inf")))
    return minimum, min(upper, smallest_shown)


def _pinned(key, table, members, minimum) -> bool:
    """True when no cycle of hidden cells lets `key` move by one unit (in either direction)
    with every line still balanced and every hidden cell within its bounds."""
    free = "free"  # a cell in fewer than two lines has an end that nothing constrains

    def ends(k):
        nodes = [(index, coefficient) for index, coefficient in table[k].lines]
        while len(nodes) < 2:
            nodes.append((free, 0))
        return nodes

    def can_move(k, step) -> bool:
        low, high = _bounds(k, table, members, minimum)
        value = table[k].value
        return value + step >= low and value + step <= high

    if not table[key].lines:  # in no equation: only its bounds hold it
        return not (can_move(key, 1) or can_move(key, -1))
    hidden = [k for k in table if table[k].hidden and k != key]
    for step in (1, -1):
        if not can_move(key, step):
            continue
        (start, c_start), (end, c_end) = ends(key)
        # Arriving at `end`, the cell has added c_end * step there; the next must cancel it.
        goal = -c_start * step  # what the last cell must add at `start`
        frontier = [(end, c_end * step)]
        seen = set(frontier)
        while frontier:
            node, balance = frontier.pop()
            for k in hidden:
                for (here, c_here), (there, c_there) in (ends(k), ends(k)[::-1]):
                    if here != node:
                        continue
                    moves = (1, -1) if node == free else (-balance * c_here,)
                    for move in moves:
                        if move == 0 or not can_move(k, move):
                            continue
                        added = c_there * move
                        if there == start and (start == free or added == goal):
                            return False
                        state = (there, 0 if there == free else added)
                        if state not in seen:
                            seen.add(state)
                            frontier.append(state)
    return True
