"""A score run's result, typed: `RunResult` → `UnitResult` → `GroupScore`, `Share`, `PublishedScore`.

`ScoreRun.result` stays the JSON that `scoring.compute` writes: its digest, the notices' attached
results.json and `score --verify` read it as it is. These frozen dataclasses are a read-only view
over it (`ScoreRun.outcome`, or `RunResult.from_json`), so that pages, notices and commands read
attributes instead of dict keys. `to_json()` gives back exactly the JSON read: a key that an
older method version did not write (minping-1 had no `published`, `grade_low`, `methods` …)
reads as None and stays absent, and a key this code does not know is kept as it was.
"""
import functools
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from surveys.models import Unit

# The one order of unit kinds: result tables, notices and commands list kinds in it.
KIND_ORDER = tuple(Unit.Kind.values)


def kind_position(kind: str) -> int:
    """Where `kind` comes in KIND_ORDER; a kind this version does not know comes last."""
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


@functools.cache
def _json_keys(record: type) -> tuple[str, ...]:
    """A record's JSON keys: its fields but the bookkeeping ones (looked up once per class)."""
    return tuple(f.name for f in fields(record) if f.name not in ("absent", "unknown"))


@dataclass(frozen=True)
class _JsonRecord:
    """A JSON object as a frozen dataclass: one field per key, nested records by type."""

    # key → record class of a nested object; a list of objects when the key is in LISTS.
    NESTED: ClassVar[dict[str, type["_JsonRecord"]]] = {}
    LISTS: ClassVar[frozenset[str]] = frozenset()

    absent: frozenset = field(default=frozenset(), compare=False, repr=False, kw_only=True)
    unknown: dict = field(default_factory=dict, compare=False, repr=False, kw_only=True)

    @classmethod
    def _keys(cls) -> tuple[str, ...]:
        return _json_keys(cls)

    @classmethod
    def from_json(cls, data: dict):
        keys = cls._keys()
        values = {key: cls._read(key, data[key]) if key in data else None for key in keys}
        return cls(**values, absent=frozenset(k for k in keys if k not in data),
                   unknown={k: v for k, v in data.items() if k not in keys})

    @classmethod
    def _read(cls, key: str, value):
        record = cls.NESTED.get(key)
        if record is None or value is None:
            return value
        if key in cls.LISTS:
            return tuple(record.from_json(item) for item in value)
        return record.from_json(value)

    def to_json(self) -> dict:
        out = {}
        for key in self._keys():
            if key in self.absent:
                continue
            value = getattr(self, key)
            if isinstance(value, tuple):
                value = [item.to_json() for item in value]
            elif isinstance(value, _JsonRecord):
                value = value.to_json()
            out[key] = value
        return {**out, **self.unknown}


@dataclass(frozen=True)
class Share(_JsonRecord):
    """The share of ballots satisfied, with its interval and the method that gave it."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    method: str | None


@dataclass(frozen=True)
class PublishedScore(_JsonRecord):
    """The score and its interval as printed (rounded half up to 0.1, `scoring.compute.published`)."""

    score: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class GroupScore(_JsonRecord):
    """One evaluator group's estimate for one unit."""

    key: str
    weight: float
    n: int
    ess: float | None
    score: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class UnitResult(_JsonRecord):
    """A unit's composite score, grade, share satisfied and rank, with its groups' scores."""

    NESTED: ClassVar = {"satisfied": Share, "groups": GroupScore, "published": PublishedScore}
    LISTS: ClassVar = frozenset({"groups"})

    code: str
    name: str
    kind: str
    n: int
    ess: float | None
    score: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    grade: str | None
    satisfied: Share | None
    rank: int | None
    rank_low: int | None
    rank_high: int | None
    suppressed: bool
    groups: tuple[GroupScore, ...]
    published: PublishedScore | None
    grade_low: str | None
    grade_high: str | None

    @property
    def ranked(self) -> bool:
        """Ranked (and graded): enough ballots in every group and a score to rank."""
        return not self.suppressed and self.rank is not None

    @property
    def borderline(self) -> bool:
        """The printed confidence interval reaches into another grade band (临界)."""
        return self.grade_low is not None and self.grade_low != self.grade_high


@dataclass(frozen=True)
class GroupSummary(_JsonRecord):
    """An evaluator group across the run: its weight, ballots, design and variance method."""

    key: str
    weight: float
    n: int
    ess: float | None
    design: dict | None
    variance: str | None


@dataclass(frozen=True)
class CommitmentResult(_JsonRecord):
    """A commitment's fulfilment (兑现情况), scored like a unit (`scoring.fulfilment`)."""

    id: int
    unit: str                 # the unit's code
    text: str
    score: float | None
    ci: list | None           # [low, high]
    se: float | None
    n: int
    suppressed: bool

    @property
    def ci_low(self) -> float | None:
        return self.ci[0] if self.ci else None

    @property
    def ci_high(self) -> float | None:
        return self.ci[1] if self.ci else None


@dataclass(frozen=True)
class RunResult(_JsonRecord):
    """The whole result of a run, as stored in `ScoreRun.result`."""

    NESTED: ClassVar = {"groups": GroupSummary, "units": UnitResult, "commitments": CommitmentResult}
    LISTS: ClassVar = frozenset({"groups", "units", "commitments"})

    campaign: str | None
    run: int | None
    method: str
    level: float
    methods: dict[str, Any] | None
    groups: tuple[GroupSummary, ...]
    units: tuple[UnitResult, ...]
    commitments: tuple[CommitmentResult, ...] | None   # absent when the campaign had no approved commitments

    def units_by_kind(self) -> list[tuple[str, list[UnitResult]]]:
        """(kind, its units in stored order: ranked by rank, then the rest by code), kinds in KIND_ORDER."""
        by_kind: dict[str, list[UnitResult]] = {}
        for unit in self.units:
            by_kind.setdefault(unit.kind, []).append(unit)
        return sorted(by_kind.items(), key=lambda item: (kind_position(item[0]), item[0]))

    def ranked_of(self, kind: str) -> int:
        """How many units of `kind` the run ranked (those a rank is "out of")."""
        return sum(1 for u in self.units if u.kind == kind and u.ranked)

    def unit(self, code: str) -> UnitResult | None:
        return next((u for u in self.units if u.code == code), None)
