"""The work layer's items on the dashboard (`anpo.web.dashboard`), registered on import (by
`anpo.web.routes_work`).

- `work.commitment.due`: for a user who may complete commitments (`work.commitment.write`),
  each commitment open and due within 60 days, or late (past its due date, not done), linking to
  its row of `/work/commitments`, with its due date.
- `work.protection.decide`: for a user of Japan's side who may decide on asset protection
  (`work.protection.decide`), each request awaiting the Minister of Defense's decision.
- `work.protection.carry_out`: for the same users, each approved request not yet recorded as
  carried out (`carry_out` takes the same action).

Only real protection records count (an exercise run's are play, as in every real list). Every item
is a record the user may read (`Work.can_read`, as every read), carries the record's marking and
is found in one query per kind of record, however many there are.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from fastapi import Request
from sqlalchemy import ColumnElement, FromClause, or_, select
from sqlalchemy.orm import Session

from anpo.dates import today
from anpo.framework.model import Text
from anpo.i18n import in_sentence
from anpo.security import access
from anpo.security.principal import Principal
from anpo.web import auth
from anpo.web.common import framework_of
from anpo.web.dashboard import DashboardItem, register_dashboard_source
from anpo.work import protection
from anpo.work.common import Work, label_json
from anpo.work.consultations import commitment_status
from anpo.work.tables import Commitment, Meeting, Protection

DUE_SOON = dt.timedelta(days=60)
COMMITMENT_ACTION = "work.commitment.write"  # who may record a commitment done
PROTECTION_ACTION = "work.protection.decide"  # who may decide on a request and record it carried out


def _may(principal: Principal, action: str) -> bool:
    return principal.system or bool(access.ACTION_ROLES[action] & principal.roles)


def _japans_side(principal: Principal) -> bool:
    """Who may record the Minister's decision and the protection carried out (as
    `anpo.work.protection` checks): Japan's side, or an administrator of no party."""
    return (
        principal.system or principal.party == "jpn" or (principal.party is None and "administrator" in principal.roles)
    )


@register_dashboard_source
def work_actions(request: Request, principal: Principal) -> list[DashboardItem]:
    """Commitments due or late, and asset-protection requests awaiting the Minister's decision or
    their carrying out, for the users whose role may act on them."""
    commitments = _may(principal, COMMITMENT_ACTION)
    protections = _may(principal, PROTECTION_ACTION) and _japans_side(principal)
    if not (commitments or protections):
        return []
    on = today()
    with auth.read_connection(request) as conn, Session(bind=conn) as session:
        w = Work(framework_of(request), session, principal)
        return [*(_commitments_due(w, on) if commitments else []), *(_protection_pending(w, on) if protections else [])]


def _readable(w: Work, table: FromClause) -> ColumnElement[bool]:
    """The read check in the query (`access.read_condition`); each row still passes `can_read`."""
    return access.read_condition(w.levels, w.principal, table.c.marking_level, table.c.releasable_to)


def _text(label: dict[str, str]) -> Text:
    return Text(label["ja"], label["en"])


def _commitments_due(w: Work, on: dt.date) -> list[DashboardItem]:
    """Commitments open and due by `on` + 60 days, or late; made at a meeting held by `on` (as
    `list_commitments` lists them)."""
    rows = w.session.execute(
        select(Commitment)
        .outerjoin(Meeting, Meeting.id == Commitment.meeting_id)
        .where(
            Commitment.status != "dropped",
            Commitment.due.is_not(None),
            Commitment.due <= on + DUE_SOON,
            or_(Commitment.done_on.is_(None), Commitment.done_on > on),
            or_(Meeting.date.is_(None), Meeting.date <= on),
            _readable(w, Commitment.__table__),
        )
        .order_by(Commitment.due, Commitment.id)
    ).scalars()
    items = []
    for c in rows:
        if not w.can_read(c.marking) or commitment_status(c, on) not in ("open", "late"):
            continue
        owner = _text(label_json(w.fw, c.owner, on))
        label = Text(c.label_ja or c.label_en, c.label_en or c.label_ja)
        title = Text(f"約束「{label.ja}」の期限（担当：{owner.ja}）", f"Commitment due: {label.en} (owner: {owner.en})")
        href = f"/work/commitments#{quote(c.id, safe='')}"
        items.append(DashboardItem("work.commitment.due", title, href, c.due, c.marking, {"id": c.id}))
    return items


def _protection_pending(w: Work, on: dt.date) -> list[DashboardItem]:
    """Real requests awaiting the Minister's decision, and approved ones awaiting their carrying out."""
    rows = w.session.execute(
        select(Protection)
        .where(
            Protection.origin != "exercise",
            Protection.status.in_(("requested", "approved")),
            _readable(w, Protection.__table__),
        )
        .order_by(Protection.requested_on.asc().nulls_first(), Protection.id)
    ).scalars()
    minister = _text(label_json(w.fw, protection.DECIDER, on))
    items = []
    for p in rows:
        if not w.can_read(p.marking):
            continue
        party = in_sentence(p.protected_party, _text(label_json(w.fw, p.protected_party, on)))
        asset = protection.ASSET_LABELS.get(p.protected_asset, Text(p.protected_asset, p.protected_asset))
        activity = _text(label_json(w.fw, p.activity, on))
        href = f"/work/protection?year={p.year}"
        if p.status == "requested":
            day = p.requested_on.isoformat() if p.requested_on else ""
            title = protection_title(p.status, party, asset, (p.activity, activity), minister, day)
            items.append(DashboardItem("work.protection.decide", title, href, None, p.marking, {"id": p.id}))
        else:
            day = p.decided_on.isoformat() if p.decided_on else ""
            title = protection_title(p.status, party, asset, (p.activity, activity), minister, day)
            items.append(DashboardItem("work.protection.carry_out", title, href, None, p.marking, {"id": p.id}))
    return items


def protection_title(
    status: str, party: Text, asset: Text, activity: tuple[str, Text], minister: Text, day: str
) -> Text:
    """The title of a request awaiting the Minister's decision (`status` "requested") or of an
    approved one awaiting its carrying out: `party` as it reads in a sentence, `activity` its id and
    label, written mid-sentence in English in lower case ("(information gathering, warning and
    surveillance; requested …)"), `day` the request's or decision's date or ""."""
    act = in_sentence(activity[0], activity[1], common=True)
    what = Text(f"{party.ja}軍の{asset.ja}に対する武器等防護", f"asset protection for {asset.en} of {party.en}")
    if status == "requested":
        return Text(
            f"{what.ja}の要請（{act.ja}{f'、{day}付け' if day else ''}）について{minister.ja}の決定が必要です",
            f"Decision of the {minister.en} needed on the request for {what.en}"
            f" ({act.en}{f'; requested {day}' if day else ''})",
        )
    return Text(
        f"承認された{what.ja}（{act.ja}{f'、{day}に承認' if day else ''}）の実施を記録してください",
        f"Record the carrying out of the approved {what.en} ({act.en}{f'; approved {day}' if day else ''})",
    )
