"""Asset protection under SDF Act Art. 95-2: a force's request, the legal check, the Minister of
Defense's decision, the protection carried out; and the yearly report built from the records.

The report groups occasions as the white paper does: information gathering and surveillance
(ballistic-missile warning included) and joint training, by protected and protecting asset.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from anpo.dates import LATEST
from anpo.framework.model import Text
from anpo.i18n import msg
from anpo.rules.core import ask
from anpo.security.markings import PUBLIC, Marking
from anpo.work.common import UNIT_CHARS, Work, WorkError, check_length, label_json, marking_json
from anpo.work.ids import new_id
from anpo.work.tables import Protection, dump, load

ASSETS = ("ship", "aircraft", "vehicle", "other")
# The white paper's occasions: activity ids grouped as the 2024 edition counts them. Labels are shown
# on their own (a report's rows), so in sentence case.
OCCASIONS: dict[str, tuple[Text, tuple[str, ...]]] = {
    "isr_incl_bm_warning": (
        Text("弾道ミサイルの警戒を含む情報収集・警戒監視活動", "ISR activities including ballistic-missile warning"),
        ("information_gathering", "ballistic_missile_warning"),
    ),
    "joint_training": (Text("共同訓練", "Joint training"), ("joint_training",)),
    "multinational_training": (Text("多国間共同訓練", "Multinational training"), ("multinational_training",)),
}
ASSET_LABELS = {
    "ship": Text("艦艇", "ships"),
    "aircraft": Text("航空機", "aircraft"),
    "vehicle": Text("車両", "vehicles"),
    "other": Text("その他", "other"),
}
DECIDER = "jpn_minister_of_defense"
# The years of the records: from the SDF's founding to the last year anpo takes dates in (a report
# of 9999 was answered, empty, though no date of it can be given).
FIRST_YEAR, LAST_YEAR = 1954, LATEST.year


def occasion_of(activity: str) -> str:
    for key, (_label, activities) in OCCASIONS.items():
        if activity in activities:
            return key
    return activity


def _next_id(w: Work, year: int) -> str:
    w.serialise("work_protection")
    return new_id(w.session, Protection, f"protection_{year}_")


def _exercise_id(w: Work, exercise: str) -> str:
    """A run's records are numbered in the run: every one carries the run's marking, so a reader
    of one reads them all (the report lists those carried out, the timeline the others)."""
    w.serialise("work_protection")
    prefix = f"ex_{exercise}_p"
    n = w.session.execute(
        select(func.count()).select_from(Protection).where(Protection.id.startswith(prefix, autoescape=True))
    ).scalar_one()
    return f"{prefix}{n + 1:03d}"


def _of_run(p: Protection, exercise: str) -> bool:
    """Whether the record belongs to the exercise run `exercise`, or ("") is a real one."""
    if exercise:
        return p.origin == "exercise" and p.id.startswith(f"ex_{exercise}_p")
    return p.origin != "exercise"


def _get(w: Work, record_id: str, action: str, exercise: str = "") -> Protection:
    """A record to act on: a real call sees only real records (an exercise run's, which no real
    list shows, is not found), and a run only its own."""
    p = w.session.get(Protection, record_id)
    if p is None or not _of_run(p, exercise) or not w.read("protection", record_id, p.marking, action):
        raise WorkError(
            Text(f"武器等防護の記録「{record_id}」はありません", f"no protection record '{record_id}'"),
            code="not_found",
        )
    return p


def protection_json(w: Work, p: Protection) -> dict[str, Any]:
    return {
        "id": p.id,
        "origin": p.origin,
        "year": p.year,
        "status": p.status,
        "requested_on": p.requested_on.isoformat() if p.requested_on else None,
        "protected_party": p.protected_party,
        "requesting_unit": p.requesting_unit,
        "activity": {"id": p.activity, "label": label_json(w.fw, p.activity)},
        "occasion": occasion_of(p.activity),
        "protected_asset": p.protected_asset,
        "protecting_asset": p.protecting_asset,
        "protected_assets": p.protected_assets,
        "protecting_units": p.protecting_units,
        "check": load(p.check_answer) or None,
        "decided_on": p.decided_on.isoformat() if p.decided_on else None,
        "decided_by": {"id": p.decided_by, "label": label_json(w.fw, p.decided_by)} if p.decided_by else None,
        "carried_out_on": p.carried_out_on.isoformat() if p.carried_out_on else None,
        "occasions": p.occasions,
        "label": {"ja": p.label_ja, "en": p.label_en} if p.label_en else None,
        "citations": load(p.citations) or [],
        "marking": marking_json(p.marking, w.levels),
    }


def request_protection(
    w: Work,
    *,
    protected_party: str,
    activity: str,
    protected_asset: str,
    protecting_asset: str,
    requested_on: dt.date,
    requesting_unit: str = "",
    protected_assets: str = "",
    marking: Marking = PUBLIC,
    exercise: str = "",
) -> dict[str, Any]:
    """Record a force's request and check it with `sdf.may_protect_assets` as of `requested_on`.

    A request the law does not allow is kept with status `refused_by_law` and the reasons. An
    exercise's requests (`exercise` = its run) are kept apart: they never count in the yearly report."""
    w.require("work.protection.request", marking, ("protection", "-"))
    check_length("unit", requesting_unit, UNIT_CHARS)
    if requested_on.year < FIRST_YEAR:  # kept as `protection_1900_…`, a year no list or report takes
        raise WorkError(msg("work.before_records", field="on", on=requested_on.isoformat(), first=FIRST_YEAR))
    for name, value in (("protected_asset", protected_asset), ("protecting_asset", protecting_asset)):
        if value not in ASSETS:
            raise WorkError(
                Text(
                    f"{name}「{value}」は不明です（{', '.join(ASSETS)}）",
                    f"unknown {name} '{value}' (allowed: {', '.join(ASSETS)})",
                )
            )
    from anpo.rules.core import ParamError

    try:
        answer = ask(
            w.fw, "sdf.may_protect_assets", {"protected_party": protected_party, "activity": activity}, requested_on
        )
    except ParamError as exc:
        raise WorkError(exc.text) from exc
    allowed = answer["answer"] is True
    p = Protection(
        id=_exercise_id(w, exercise) if exercise else _next_id(w, requested_on.year),
        origin="exercise" if exercise else "user",
        year=requested_on.year,
        requested_on=requested_on,
        protected_party=protected_party,
        activity=activity,
        protected_asset=protected_asset,
        protecting_asset=protecting_asset,
        requesting_unit=requesting_unit,
        protected_assets=protected_assets,
        check_allowed=allowed,
        check_answer=dump(answer),
        status="requested" if allowed else "refused_by_law",
        occasions=1,
        citations=dump([c for r in answer["reasons"] for c in r["citations"]]),
    )
    p.set_marking(marking)
    w.session.add(p)
    w.session.flush()
    w.audit("work.protection.request", "protection", p.id, marking, {"allowed": allowed})
    return protection_json(w, p)


def _japans_side(w: Work, p: Protection, exercise: str, party: str | None) -> None:
    """Refuse a decision or a carrying out recorded for any side but Japan's: under Art. 95-2 the
    Minister of Defense decides and SDF members protect, so only a principal of party `jpn` (or an
    administrator of no party, who acts for either as elsewhere) records them, citing the legal
    check's reasons; `party` is the side an exercise run acts for. A real refusal is audited as
    denied; in an exercise run it is one in play."""
    who = w.principal
    side = party or who.party
    if who.system or side == "jpn" or (party is None and who.party is None and who.has_role("administrator")):
        return
    if not exercise:
        w.denied.append(("work.protection.decide", "protection", p.id, p.marking))
    answer = load(p.check_answer) or {}
    cites = [c for r in answer.get("reasons", []) for c in r.get("citations", [])]
    raise WorkError(msg("work.protection_japan_only"), code="forbidden", details={"citations": cites})


def decide_protection(
    w: Work, record_id: str, approve: bool, decided_on: dt.date, exercise: str = "", party: str | None = None
) -> dict[str, Any]:
    """The Minister of Defense's decision on a request the law allows (of the run `exercise`, or a
    real one), recorded by Japan's side (`party`: the side a run acts for)."""
    p = _get(w, record_id, "work.protection.decide", exercise)
    w.require("work.protection.decide", p.marking, ("protection", p.id))
    _japans_side(w, p, exercise, party)
    if p.status != "requested":
        raise WorkError(
            Text(
                f"状態「{p.status}」の記録には決定できません（requestedのみ）",
                f"cannot decide a record in status '{p.status}' (only 'requested')",
            ),
            code="conflict",
        )
    if p.requested_on and decided_on < p.requested_on:
        raise WorkError(Text("決定日が要請日より前です", "the decision date is before the request"))
    p.status, p.decided_on, p.decided_by = ("approved" if approve else "declined"), decided_on, DECIDER
    w.session.flush()
    w.audit("work.protection.decide", "protection", p.id, p.marking, {"approve": approve})
    return protection_json(w, p)


def carry_out(
    w: Work, record_id: str, on: dt.date, protecting_units: str, exercise: str = "", party: str | None = None
) -> dict[str, Any]:
    """Record the protection carried out (a real one counts in the report of `on`'s year), by
    Japan's side (`party`: the side a run acts for)."""
    p = _get(w, record_id, "work.protection.decide", exercise)
    w.require("work.protection.decide", p.marking, ("protection", p.id))
    _japans_side(w, p, exercise, party)
    check_length("units", protecting_units, UNIT_CHARS)
    if p.status != "approved":
        raise WorkError(
            Text(
                f"大臣の承認がない記録は実施できません（状態: {p.status}）",
                f"only an approved request can be carried out (status: {p.status})",
            ),
            code="conflict",
        )
    if p.decided_on and on < p.decided_on:
        raise WorkError(Text("実施日が決定日より前です", "the protection date is before the decision"))
    p.status, p.carried_out_on, p.protecting_units, p.year = "carried_out", on, protecting_units, on.year
    w.session.flush()
    w.audit("work.protection.decide", "protection", p.id, p.marking, {"op": "carried_out", "on": on.isoformat()})
    return protection_json(w, p)


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise WorkError(msg("work.bad_year", year=year, first=FIRST_YEAR, last=LAST_YEAR))


def list_protection(w: Work, year: int | None = None) -> list[dict[str, Any]]:
    """The real records (not exercise play) of a year or of all years."""
    query = (
        select(Protection)
        .where(Protection.origin != "exercise")
        .order_by(
            # ids are random (anpo.work.ids): within a year, the order of the requests
            Protection.year,
            Protection.requested_on.asc().nulls_first(),
            Protection.id,
        )
    )
    if year is not None:
        _check_year(year)  # past the column's range it was a traceback (PostgreSQL's int4; SQLite's 2**63)
        query = query.where(Protection.year == year)
    return [protection_json(w, p) for p in w.session.execute(query).scalars() if w.can_read(p.marking)]


def yearly_report(w: Work, year: int, exercise: str = "") -> dict[str, Any]:
    """Occasions of protection carried out in `year`, summed from the records the principal may read:
    the real records, or (with `exercise`) only those of one exercise run; marked with the
    combination of their markings."""
    _check_year(year)
    query = select(Protection).where(Protection.year == year, Protection.status == "carried_out")
    if exercise:
        query = query.where(Protection.id.startswith(f"ex_{exercise}_p", autoescape=True))
    else:
        query = query.where(Protection.origin != "exercise")
    query = query.order_by(Protection.id)
    groups: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    counted: set[Marking] = set()
    for p in w.session.execute(query).scalars():
        if not w.can_read(p.marking):
            continue
        counted.add(p.marking)
        occasion = occasion_of(p.activity)
        key = (occasion, p.protected_party, p.protected_asset, p.protecting_asset)
        row = groups.setdefault(
            key,
            {
                "occasion": occasion,
                "occasion_label": (
                    OCCASIONS[occasion][0] if occasion in OCCASIONS else Text(occasion, occasion)
                ).as_json(),
                "protected_party": p.protected_party,
                "protected_asset": p.protected_asset,
                "protecting_asset": p.protecting_asset,
                "label": _row_label(p.protected_asset, p.protecting_asset).as_json(),
                "count": 0,
                "records": [],
                "citations": [],
            },
        )
        row["count"] += p.occasions
        row["records"].append(p.id)
        for c in load(p.citations) or []:
            if c not in row["citations"]:
                row["citations"].append(c)
    rows = [groups[k] for k in sorted(groups)]
    by_occasion: dict[str, dict[str, int]] = {}
    for row in rows:
        kind = f"{row['protected_asset']}_by_{row['protecting_asset']}"
        slot = by_occasion.setdefault(row["occasion"], {})
        slot[kind] = slot.get(kind, 0) + row["count"]
    return {
        "year": year,
        "total": sum(r["count"] for r in rows),
        "by_occasion": by_occasion,
        "rows": rows,
        "basis": {"ja": "自衛隊法第95条の2", "en": "SDF Act Art. 95-2"},
        # the combined marking of the records counted: the totals are as sensitive as they are
        "marking": marking_json(w.levels.combine(counted), w.levels),
    }


def _row_label(protected: str, protecting: str) -> Text:
    """A report row's label, shown on its own (the page's column): in sentence case."""
    a, b = (
        ASSET_LABELS.get(protected, Text(protected, protected)),
        ASSET_LABELS.get(protecting, Text(protecting, protecting)),
    )
    return Text(f"米軍等の{a.ja}に対して自衛隊の{b.ja}が警護", f"{a.en[:1].upper()}{a.en[1:]} protected by SDF {b.en}")
