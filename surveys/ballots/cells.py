"""Weighting cells: the key of a ballot's profile answers that its score rows point at.

Scoring groups score rows by (group, unit, cell), so the cell is computed once, when a ballot is
written (settling, paper imports, the demo seeder), and stored as a WeightingCell id.
"""
from ..models import WeightingCell

# ASCII "unit separator": a control character, never part of an option value (short labels/slugs).
# Cheaper to store, hash and group by than JSON text ("D1\x1f60+\x1fF" is 8 bytes, the JSON
# array 16), which matters at tens of millions of score rows.
CELL_SEPARATOR = "\x1f"


def cell_key(design_keys: list[str], profile: dict) -> str:
    """A ballot's weighting cell in its group: its profile answers to the group's design keys, in
    order, joined by CELL_SEPARATOR; an unanswered key is an empty part; no design keys: "".

    Every score row points at its cell (`BallotUnitScore.cell`, a WeightingCell with this key:
    `cell_ids`), written by BallotBatch and the demo seeder; `cell_levels` reads the key back.
    """
    return CELL_SEPARATOR.join("" if profile.get(key) is None else str(profile[key]) for key in design_keys)


def cell_ids(group_id: int, keys) -> dict[str, int]:
    """The ids of a group's weighting cells by key, creating the ones not seen before (caller's
    transaction; two writers creating the same cell at once both end up with the one row)."""
    wanted = sorted(set(keys))   # one order for every writer: two never wait for each other's new cells
    if not wanted:
        return {}
    WeightingCell.objects.bulk_create([WeightingCell(group_id=group_id, key=key) for key in wanted],
                                      ignore_conflicts=True)
    return dict(WeightingCell.objects.filter(group_id=group_id, key__in=wanted).values_list("key", "id"))


def cell_levels(cell: str, width: int) -> tuple:
    """The levels of a stored cell key, None for an unanswered key: what `profile->>key` gives.

    A key that does not have `width` parts (the group's design changed after it was stored) comes
    back with its own number of parts, so it matches no cell of the current design.
    """
    parts = cell.split(CELL_SEPARATOR) if width or cell else []
    return tuple(part or None for part in parts)
