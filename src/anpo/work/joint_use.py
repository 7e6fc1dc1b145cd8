"""Joint use of facilities (SOFA Art. 2-4) and the legal basis of a booking, computed from the pack.

A party uses a facility it operates as its own; the other party needs a joint-use arrangement:
Art. 2-4(a) for the SDF at a U.S. facility, 2-4(b) for U.S. forces at an SDF one. The pack records
only the arrangements the white papers describe, so a booking without one is not refused: its
basis says so, with a warning, and names the part of the booking no recorded arrangement covers.

The SOFA covers facilities and areas in Japan only. A facility whose place (its `place` fact) is
administered by another party for any part of the booking (Guam, the Northern Mariana Islands;
Okinawa before its reversion in 1972) is outside Japan: its basis cites no SOFA clause, and its
texts and warnings say no arrangement is recorded and to check the arrangement with the host.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from anpo.framework.framework import SIDES, Framework, party_of
from anpo.framework.model import END, Citation, Fact, Period, Ref, Struct, Text
from anpo.i18n import in_sentence, msg
from anpo.work.common import cite_json, label_json

# SOFA Art. 2-4: (a) Japan's use of U.S. facilities when U.S. forces are not using them, (b) U.S.
# forces' use, for limited periods, of facilities that are not theirs
CLAUSE = {"jpn": "(a)", "usa": "(b)"}
SOFA_2_4 = {party: Citation("src_sofa_1960", f"第2条4{clause}") for party, clause in CLAUSE.items()}

Span = tuple[dt.datetime, dt.datetime]
# the kinds whose booking the party's recorded arrangements may cover in part (`basis.partly`)
PARTLY = ("none_recorded", "operator_unknown")


def use_json(fw: Framework, fact: Fact, cited: tuple[Citation, ...], on: dt.date | None = None) -> dict[str, Any]:
    """One joint-use arrangement (cited by `cited`, its facility's, when it has no citations of its
    own), and whether it is in force on `on`."""
    value = fact.value
    assert isinstance(value, Struct)
    user = value.get("user")
    purpose = value.get("purpose")
    return {
        "user": {"id": user.id, "label": label_json(fw, user.id)} if isinstance(user, Ref) else None,
        "purpose": purpose.as_json() if isinstance(purpose, Text) else None,
        "period": fact.period.as_json(),
        "approximate": fact.approximate,
        "note": fact.note.as_json() if fact.note else None,
        "in_force": fact.period.contains(on) if on else None,
        "citations": cite_json(fact.citations or cited),
    }


def user_parties(fw: Framework, fact: Fact) -> frozenset[str]:
    """The parties an arrangement's user belongs to: a party itself, the party of an organisation
    (through its parents), or both for a bilateral organisation the pack attaches to neither (BIAC)."""
    user = fact.value.get("user") if isinstance(fact.value, Struct) else None
    ent = fw.get(user.id) if isinstance(user, Ref) else None
    if ent is None:
        return frozenset()
    if ent.kind == "party":
        return frozenset({ent.id})
    side = party_of(fw, ent.id, fact.period.start)
    return frozenset({side}) if side else frozenset(SIDES)


def booking_basis(fw: Framework, facility_id: str, party: str, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """The legal basis of `party`'s use of a facility for `[start, end)` that the pack records, as of
    those dates: `{"basis": {kind, text, joint_use, partly, uncovered, citations}, "warnings": [...]}`.

    kind: `operator` (the party operates it), `joint_use` (recorded arrangements cover the party for
    the whole booking), `none_recorded` (some or all of it is covered by nothing recorded: the
    warnings name each uncovered part) or `operator_unknown` (the pack does not say whose it is).
    `joint_use`: the arrangements that between them cover the whole booking (kind `joint_use`);
    `partly`: those that cover only part of it (kinds `none_recorded`, `operator_unknown`)."""
    ent = fw.get(facility_id)
    base = ent.citations if ent is not None else ()  # of a fact that has none of its own
    operators = [f for f in fw.facts(facility_id, "operator") if _overlaps(f.period, start, end)]
    own = [f for f in operators if isinstance(f.value, Ref) and f.value.id == party]
    uses = [f for f in fw.facts(facility_id, "joint_use") if _overlaps(f.period, start, end)]
    uses = [f for f in uses if party in user_parties(fw, f)]
    covering = [f for f in uses if _covers(f.period, start, end)]
    uncovered = _gaps(start, end, _spans(own + uses))
    unknown = [part for gap in uncovered for part in _gaps(*gap, _spans(operators))]
    names = {
        "facility": Text(**label_json(fw, facility_id, start.date())),
        "forces": msg(f"work.forces.{party}") if party in CLAUSE else Text(party, party),
        "clause": CLAUSE.get(party, ""),
    }
    host = _host_abroad(fw, facility_id, start, end)
    abroad = "_abroad" if host is not None else ""  # the texts that name no SOFA clause
    sofa = [SOFA_2_4[party]] if party in SOFA_2_4 and host is None else []
    if not _gaps(start, end, _spans(own)):
        kind, cited = "operator", _cites(own, base)
        text = msg("work.basis_operator", facility=names["facility"], party=_party_label(fw, party))
    elif not uncovered:
        covering = covering or uses  # several arrangements (or the party's own operation) between them
        kind, cited = "joint_use", _cites(covering, base) + sofa
        text = msg(f"work.basis_joint_use{abroad}", uses=_uses(fw, covering), **names)
    elif unknown:
        kind, cited = "operator_unknown", list(base)
        text = msg("work.basis_operator_unknown", facility=names["facility"])
    else:
        kind, cited = "none_recorded", _cites(uses + operators, base) + sofa
        operator = next((_party_label(fw, f.value.id) for f in operators if f not in own), Text("-", "-"))
        key, more = ("work.basis_partial", {"uses": _uses(fw, uses)}) if uses else ("work.basis_none_recorded", {})
        text = msg(key + abroad, operator=operator, **names, **more)
    return {
        "basis": {
            "kind": kind,
            "text": text.as_json(),
            "joint_use": [use_json(fw, f, base, start.date()) for f in covering] if kind == "joint_use" else [],
            "partly": [use_json(fw, f, base, start.date()) for f in uses] if kind in PARTLY else [],
            "uncovered": [{"from": s.isoformat(), "to": e.isoformat()} for s, e in uncovered],
            "citations": cite_json(cited),
        },
        "warnings": [w.as_json() for w in _warnings(names, uncovered, unknown, host)],
    }


def _warnings(names: dict[str, Any], uncovered: list[Span], unknown: list[Span], host: Text | None) -> list[Text]:
    """One warning for each part of the booking no recorded basis covers, and why (outside Japan:
    to check the arrangement with the host, `host`)."""
    out = [
        msg("work.booking_operator_unknown", facility=names["facility"], start=_moment(s), end=_moment(e))
        for s, e in unknown
    ]
    known = [part for gap in uncovered for part in _gaps(*gap, unknown)]
    if host is not None:
        out += [
            msg("work.booking_no_arrangement_abroad", start=_moment(s), end=_moment(e), host=host, **names)
            for s, e in known
        ]
    else:
        out += [msg("work.booking_no_joint_use", start=_moment(s), end=_moment(e), **names) for s, e in known]
    return out


def _host_abroad(fw: Framework, facility_id: str, start: dt.datetime, end: dt.datetime) -> Text | None:
    """The host of a facility outside Japan, where the SOFA does not apply: the party that
    administers the facility's place during the booking when that is not Japan (the name used in
    a sentence); None for a facility in Japan, or one whose place or its administration the pack
    does not record for those dates (taken to be in Japan, as the pack's other facilities are)."""
    places = [f.value for f in fw.facts(facility_id, "place") if _overlaps(f.period, start, end)]
    for place in places:
        if not isinstance(place, Ref):
            continue
        for fact in fw.facts(place.id, "administered_by"):
            admin = fact.value
            if isinstance(admin, Ref) and admin.id != "jpn" and _overlaps(fact.period, start, end):
                return _party_label(fw, admin.id)
    return None


def _cites(facts: list[Fact], base: tuple[Citation, ...]) -> list[Citation]:
    return [c for f in facts for c in f.citations or base]


def _spans(facts: list[Fact]) -> list[Span]:
    return [_span(f.period) for f in facts]


def _span(period: Period) -> Span:
    """A period of whole days as moments: from the first day's midnight to the midnight that ends it."""
    first = dt.datetime.combine(period.start, dt.time.min)
    return first, dt.datetime.max if period.end == END else dt.datetime.combine(period.end, dt.time.min)


def _covers(period: Period, start: dt.datetime, end: dt.datetime) -> bool:
    """The period contains every day of `[start, end)` (its `to` is exclusive)."""
    first, last = _span(period)
    return first <= start and end <= last


def _overlaps(period: Period, start: dt.datetime, end: dt.datetime) -> bool:
    first, last = _span(period)
    return first < end and start < last


def _gaps(start: dt.datetime, end: dt.datetime, spans: list[Span]) -> list[Span]:
    """The parts of `[start, end)` that no span covers, in order."""
    gaps: list[Span] = []
    cursor = start
    for first, last in sorted(spans):
        if first >= end or cursor >= end:
            break
        if first > cursor:
            gaps.append((cursor, first))
        cursor = max(cursor, last)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def _moment(moment: dt.datetime) -> str:
    return moment.date().isoformat() if moment.time() == dt.time.min else moment.isoformat(" ", "minutes")


def _party_label(fw: Framework, party: str) -> Text:
    """A party's name inside a sentence ("the United States")."""
    ent = fw.get(party)
    return in_sentence(party, ent.label) if ent is not None else Text(party, party)


def _uses(fw: Framework, facts: list[Fact]) -> Text:
    """The arrangements in a sentence: user, purpose and period (≈ where its dates are approximate)."""
    parts = []
    for f in facts:
        user = f.value.get("user")
        period = f.period.as_json()
        parts.append(
            msg(
                "work.basis_use",
                user=Text(**label_json(fw, user.id)) if isinstance(user, Ref) else Text("-", "-"),
                purpose=f.value.get("purpose") or Text("-", "-"),
                start=("≈" if f.approximate else "") + (period["from"] or "…"),
                end=period["to"] or "",
            )
        )
    return Text("；".join(p.ja for p in parts), "; ".join(p.en for p in parts))
