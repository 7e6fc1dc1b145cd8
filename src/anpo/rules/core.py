"""Questions and answers: the law as small, named, dated functions.

A `Question` has typed parameters and a function `(framework, on, params) -> Answer`. Each answer
carries its reasons, each reason a sentence in both languages with the citations that support it,
and the ids of the instruments and provisions that decided it (`in_force`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from anpo.framework.framework import Framework
from anpo.framework.model import Citation, Fact, Text
from anpo.i18n import msg

AnswerValue = bool | str | list[str] | None


@dataclass(frozen=True)
class Reason:
    text: Text
    citations: tuple[Citation, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"ja": self.text.ja, "en": self.text.en, "citations": [c.as_json() for c in self.citations]}


@dataclass(frozen=True)
class Answer:
    """An answer. `undetermined` means the rules could not decide (the value is then None and the
    reasons say why); a determined answer may also be None, e.g. "no Guidelines were in force"."""

    value: AnswerValue
    reasons: tuple[Reason, ...]
    in_force: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, Text] = field(default_factory=dict)
    undetermined: bool = False

    def __post_init__(self) -> None:
        # A reason said twice says nothing more: two facts sharing one note (the SCC's U.S.
        # members before 1990) gave it once per fact. The first of each stays, in order.
        object.__setattr__(self, "reasons", tuple(dict.fromkeys(self.reasons)))

    @property
    def determined(self) -> bool:
        return not self.undetermined


class ParamError(ValueError):
    """A bad question or parameter; the message names the allowed values (exit status 2)."""

    def __init__(self, text: Text) -> None:
        self.text = text
        super().__init__(text.en)


@dataclass(frozen=True)
class Param:
    """A parameter: its allowed values are a fixed tuple or the ids of one kind of entity."""

    name: str
    description: Text
    choices: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    required: bool = True
    default: str | None = None

    def allowed(self, fw: Framework) -> tuple[str, ...]:
        if self.kinds:
            return tuple(sorted(e.id for kind in self.kinds for e in fw.of_kind(kind)))
        return self.choices


Rule = Callable[[Framework, dt.date, dict[str, str]], Answer]


@dataclass(frozen=True)
class Question:
    name: str
    summary: Text
    params: tuple[Param, ...]
    rule: Rule
    # The provisions (entity ids) this question implements; `anpo check` verifies they exist.
    provisions: tuple[str, ...] = ()

    def validate(self, fw: Framework, raw: dict[str, str]) -> dict[str, str]:
        names = [p.name for p in self.params]
        for key in raw:
            if key not in names:
                raise ParamError(
                    msg("ask.unknown_param", question=self.name, name=key, allowed=", ".join(names) or "-")
                )
        out = {}
        for param in self.params:
            allowed = param.allowed(fw)
            value = raw.get(param.name, param.default)
            if value is None:
                if param.required and not allowed:  # a free value (a date): "allowed values: " named none
                    raise ParamError(_missing_free(param))
                if param.required:
                    raise ParamError(msg("ask.missing_param", name=param.name, allowed=", ".join(allowed)))
                continue
            if allowed and value not in allowed:
                raise ParamError(msg("ask.bad_value", name=param.name, value=value, allowed=", ".join(allowed)))
            out[param.name] = value
        return out


def _missing_free(param: Param) -> Text:
    """A missing parameter that takes a free value, described in each language by its description."""
    ja = msg("ask.missing_free_param", name=param.name, what=param.description.ja).ja
    return Text(ja, msg("ask.missing_free_param", name=param.name, what=param.description.en).en)


REGISTRY: dict[str, Question] = {}


def question(
    name: str, summary: Text, params: Sequence[Param] = (), provisions: Sequence[str] = ()
) -> Callable[[Rule], Rule]:
    """Register a rule function as the question `name`."""

    def register(rule: Rule) -> Rule:
        if name in REGISTRY:
            raise RuntimeError(f"question {name} registered twice")
        REGISTRY[name] = Question(name, summary, tuple(params), rule, tuple(provisions))
        return rule

    return register


def get_question(name: str) -> Question:
    _load_rules()
    if name not in REGISTRY:
        raise ParamError(msg("ask.unknown_question", name=name, allowed=", ".join(sorted(REGISTRY))))
    return REGISTRY[name]


def all_questions() -> list[Question]:
    _load_rules()
    return [REGISTRY[k] for k in sorted(REGISTRY)]


def _load_rules() -> None:
    # Importing the rule modules registers their questions.
    from anpo.rules import questions  # noqa: F401


def ask(fw: Framework, name: str, raw_params: dict[str, str], on: dt.date) -> dict[str, Any]:
    """Answer a question and return the public JSON shape (DESIGN.md "Public contract")."""
    q = get_question(name)
    params = q.validate(fw, raw_params)
    answer = q.rule(fw, on, params)
    return answer_json(q.name, on, params, answer)


def answer_json(name: str, on: dt.date, params: dict[str, str], answer: Answer) -> dict[str, Any]:
    out: dict[str, Any] = {
        "question": name,
        "on": on.isoformat(),
        "params": params,
        "answer": answer.value,
        "reasons": [r.as_json() for r in answer.reasons],
        "in_force": list(answer.in_force),
    }
    if not answer.determined:
        out["undetermined"] = True
    if answer.details:
        out["details"] = answer.details
    if answer.labels:
        out["labels"] = {k: v.as_json() for k, v in answer.labels.items()}
    return out


def cites(*facts: Fact | None) -> tuple[Citation, ...]:
    """The citations of some facts, in order, without repeats."""
    out: list[Citation] = []
    for fact in facts:
        if fact is None:
            continue
        for c in fact.citations:
            if c not in out:
                out.append(c)
    return tuple(out)


def parse_params(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ParamError(msg("ask.bad_param_syntax", text=item))
        name = name.strip()
        if name in out:  # the last one was kept, silently
            raise ParamError(msg("ask.repeated_param", name=name))
        out[name] = value.strip()
    return out


def questions_json(fw: Framework) -> list[dict[str, Any]]:
    return [
        {
            "question": q.name,
            "summary": q.summary.as_json(),
            "params": [
                {
                    "name": p.name,
                    "description": p.description.as_json(),
                    "required": p.required,
                    "allowed": list(p.allowed(fw)),
                }
                for p in q.params
            ],
        }
        for q in all_questions()
    ]
