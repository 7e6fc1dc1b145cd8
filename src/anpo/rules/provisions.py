"""Rules next to the clauses they implement, each valid for a period; overlapping rules are an error.

Catala's idea in a small registry. A *scope* is one thing the law decides (for example "does the
ACSA in force cover this context and category"), with a finite domain of cases. Each `Rule` of a
scope names the clause it implements (a provision or instrument id in the pack), the period during
which it decides, and the cases it claims; its citations are the clause's own, so they travel with
every answer. Two rules of one scope that claim the same case on the same day are a
`ProvisionConflict`, raised when the second is registered: the rules fail to load rather than one
being chosen silently. `check(fw)` verifies every rule against the pack (the clause exists and the
rule's period lies within the clause's); `anpo check` and the tests run it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from anpo.framework.framework import Framework
from anpo.framework.model import BEGINNING, END, Citation, Period, Problem, Ref, Text
from anpo.rules.core import AnswerValue, Reason

Case = tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    """What one rule decides for one case: a value and its reasons (or undetermined, with why)."""

    value: AnswerValue
    reasons: tuple[Reason, ...]
    undetermined: bool = False


Decide = Callable[[Framework, dt.date, Mapping[str, str]], Finding]


@dataclass(frozen=True)
class Scope:
    """A question the law decides, over a finite domain: parameter name -> its possible values."""

    name: str
    domain: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.domain)

    def cases(self) -> Iterable[Case]:
        return itertools.product(*(values for _, values in self.domain))

    def case_of(self, params: Mapping[str, str]) -> Case:
        return tuple(params[n] for n in self.names)

    def as_params(self, case: Case) -> dict[str, str]:
        return dict(zip(self.names, case, strict=True))


@dataclass(frozen=True)
class Rule:
    scope: str
    clause: str
    period: Period
    claims: frozenset[Case]
    decide: Decide
    name: str

    def label(self) -> str:
        return f"{self.name} [{self.clause}]"


class ProvisionConflict(RuntimeError):
    """Two rules both claim to decide the same case of a scope on the same date."""


@dataclass
class Registry:
    scopes: dict[str, Scope] = field(default_factory=dict)
    rules: dict[str, list[Rule]] = field(default_factory=dict)

    def scope(self, name: str, **domain: tuple[str, ...]) -> Scope:
        if name in self.scopes:
            raise ProvisionConflict(f"scope {name} declared twice")
        scope = Scope(name, tuple(domain.items()))
        self.scopes[name] = scope
        self.rules[name] = []
        return scope

    def add(self, rule: Rule) -> None:
        for other in self.rules[rule.scope]:
            if not other.period.overlaps(rule.period):
                continue
            both = other.claims & rule.claims
            if both:
                case = self.scopes[rule.scope].as_params(min(both))
                start = max(other.period.start, rule.period.start)
                end = min(other.period.end, rule.period.end)
                raise ProvisionConflict(
                    f"{other.label()} and {rule.label()} both decide {rule.scope} for {case} "
                    f"from {start} to {end} ({len(both)} cases in all)"
                )
        self.rules[rule.scope].append(rule)

    def rule(
        self,
        scope: str,
        clause: str,
        start: dt.date = BEGINNING,
        end: dt.date = END,
        when: Callable[[Mapping[str, str]], bool] = lambda _: True,
    ) -> Callable[[Decide], Decide]:
        """Register a function as the rule of `clause` for the cases of `scope` that `when` accepts."""
        sc = self.scopes[scope]

        def register(fn: Decide) -> Decide:
            claims = frozenset(case for case in sc.cases() if when(sc.as_params(case)))
            self.add(Rule(scope, clause, Period(start, end), claims, fn, fn.__name__))
            return fn

        return register

    def applicable(self, scope: str, on: dt.date, params: Mapping[str, str]) -> list[Rule]:
        case = self.scopes[scope].case_of(params)
        return [r for r in self.rules[scope] if r.period.contains(on) and case in r.claims]

    def decide(self, fw: Framework, scope: str, on: dt.date, params: Mapping[str, str]) -> tuple[Rule, Finding] | None:
        """The one rule that decides this case on `on` and its finding, or None when no rule does."""
        found = self.applicable(scope, on, params)
        if len(found) > 1:  # registration forbids this; kept as a guard
            raise ProvisionConflict(f"{', '.join(r.label() for r in found)} all decide {scope} on {on}")
        if not found:
            return None
        return found[0], found[0].decide(fw, on, params)

    def all_rules(self) -> list[Rule]:
        return [r for rules in self.rules.values() for r in rules]

    def boundaries(self) -> list[dt.date]:
        """Every date on which some rule starts or stops deciding."""
        dates = {d for r in self.all_rules() for d in (r.period.start, r.period.end)}
        return sorted(dates - {BEGINNING, END})


REGISTRY = Registry()
scope = REGISTRY.scope
rule = REGISTRY.rule
decide = REGISTRY.decide

# Questions whose answers depend on the date only through the periods of the pack and whose
# reasons never mention the as-of date: batch answers may be reused within a date interval.
MEMOISABLE: set[str] = set()


def memoisable(name: str) -> None:
    MEMOISABLE.add(name)


def check(fw: Framework, registry: Registry = REGISTRY) -> list[Problem]:
    """Problems between the rules and the pack: a missing clause, or a rule outside its clause's period."""
    problems = []
    for r in registry.all_rules():
        ent = fw.get(r.clause)
        if ent is None:
            problems.append(
                _problem(
                    f"{r.label()}: clause {r.clause} is not in the pack",
                    f"{r.label()}: 条項 {r.clause} がパックにありません",
                )
            )
        elif not (ent.period.start <= r.period.start and r.period.end <= ent.period.end):
            problems.append(
                _problem(
                    f"{r.label()}: rule period {_span(r.period)} is outside the clause's period {_span(ent.period)}",
                    f"{r.label()}: 規則の期間 {_span(r.period)} が条項の期間 {_span(ent.period)} の外にあります",
                )
            )
    return problems


def boundaries_of(fw: Framework) -> list[dt.date]:
    """Every date on which a rule, an entity or a name starts or ends, or a source is published: the
    answers of memoisable questions are constant between two of them (their rules read dates only
    through these)."""
    dates: set[dt.date] = set(REGISTRY.boundaries())
    for ent in fw.entities():
        dates.update((ent.period.start, ent.period.end))
        for name in ent.names:
            dates.update((name.period.start, name.period.end))
        if ent.kind == "source":  # a source is cited from the day it was published (`clause_reason`)
            published = fw.published(ent.id)
            if published is not None:
                dates.add(published)
    return sorted(dates - {BEGINNING, END})


def interval(bounds: list[dt.date], on: dt.date) -> int:
    return bisect.bisect_right(bounds, on)


def _span(period: Period) -> str:
    start = "…" if period.start == BEGINNING else period.start.isoformat()
    end = "…" if period.end == END else period.end.isoformat()
    return f"[{start}, {end})"


def _problem(en: str, ja: str) -> Problem:
    return Problem("(rules)", 0, Text(ja, en))


def clause_reason(fw: Framework, clause: str, ja: str, en: str, on: dt.date | None = None) -> Reason:
    """A reason whose citations are the clause's own, so the clause's sources travel with the answer.

    Given the date asked, only the sources that existed on it: SDF Act Art. 76 as it stood in 1990
    is cited from the 1954 Act, not from the 2015 Act that later amended it (`Framework.citations_on`).
    """
    citations = fw[clause].citations
    return Reason(Text(ja, en), citations if on is None else cited_on(fw, citations, on, clause))


# What a provision or instrument belongs to, looked up in turn when none of its own sources existed yet.
_OWNERS = ("parent", "instrument", "amends")


def cited_on(fw: Framework, citations: tuple[Citation, ...], on: dt.date, *instead: str) -> tuple[Citation, ...]:
    """`citations` as of `on` (`Framework.citations_on`), and never none: a reason without a source
    is a bug. When no source of them existed yet on `on` (a clause the pack cites only from a later
    consolidated text), the sources that did of the entities `instead` or of what they belong to
    (the article's parent, its instrument, the instrument it amended), the first that has any; the
    white papers, undated, always count. Failing all of them, `citations` as they are: a late
    source is better than none, and the sweep in tests/rules/test_provisions.py flags it."""
    kept = fw.citations_on(citations, on)
    if kept:
        return kept
    seen: set[str] = set()
    todo = list(instead)
    while todo:
        ent_id = todo.pop(0)
        if ent_id in seen or ent_id not in fw:
            continue
        seen.add(ent_id)
        kept = fw.citations_on(fw[ent_id].citations, on)
        if kept:
            return kept
        for attr in _OWNERS:
            ref = fw.value(ent_id, attr, on) or next((f.value for f in fw.facts(ent_id, attr)), None)
            if isinstance(ref, Ref):
                todo.append(ref.id)
    return citations or next((fw[i].citations for i in instead if i in fw and fw[i].citations), ())


def label(fw: Framework, ent_id: str, on: dt.date) -> Text:
    return fw[ent_id].label_on(on)


def answer_parts(found: list[tuple[Rule, Finding]]) -> tuple[tuple[Reason, ...], tuple[str, ...]]:
    """The reasons of some findings in order, and the clauses behind them (for `in_force`)."""
    reasons = tuple(r for _, f in found for r in f.reasons)
    clauses = tuple(dict.fromkeys(rule.clause for rule, _ in found))
    return reasons, clauses
