"""The work layer's items on the dashboard (`anpo.web.dashboard_work`), through the web app: due
and late commitments for policy officers, asset-protection requests awaiting the Minister's
decision or their carrying out for coordinators; each as the user may read it, never exercise play."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from anpo.security.principal import Principal
from anpo.work.protection import decide_protection, request_protection

POLICY = {"x-anpo-work-token": "tok-policy"}  # suzuki: jpn, secret, policy_officer
JP = {"x-anpo-work-token": "tok-jpn"}  # sato: jpn, secret, coordinator
US = {"x-anpo-work-token": "tok-usa"}  # smith: usa, secret, coordinator
CTL = {"x-anpo-work-token": "tok-ctl"}  # ctl: jpn, secret, exercise_controller
VIEWER = {"x-anpo-work-token": "tok-viewer"}  # v: usa, secret, viewer
US_POLICY = {"x-anpo-work-token": "tok-us-policy"}
JP_POLICY_PUBLIC = {"x-anpo-work-token": "tok-jp-policy-public"}
MEETING = "scc_2013_10_03"  # a meeting of the pack: commitments are added to it
JPN_ONLY = {"level": "confidential", "releasable_to": ["jpn"]}


@pytest.fixture
def app(wclient: Any) -> Any:
    """The work app with two more principals: a U.S. policy officer, and a Japanese one cleared
    for public records only."""
    wclient.app.state.work_tokens = {
        **wclient.app.state.work_tokens,
        "tok-us-policy": Principal("jones", "usa", "secret", frozenset({"policy_officer"})),
        "tok-jp-policy-public": Principal("kato", "jpn", "public", frozenset({"policy_officer"})),
    }
    return wclient


def _items(client: Any, who: dict[str, str], prefix: str = "work.") -> list[dict[str, Any]]:
    res = client.get("/api/dashboard", headers=who)
    assert res.status_code == 200, res.text
    return [i for i in res.json()["items"] if i["kind"].startswith(prefix)]


def _by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["detail"]["id"]: i for i in items}


def _commit(client: Any, cid: str, due: dt.date | None, marking: Any = None) -> None:
    body: dict[str, Any] = {
        "id": cid,
        "meeting": MEETING,
        "owner": "sdc",
        "label": {"ja": f"見直し作業 {cid}", "en": f"Review work {cid}"},
    }
    if due is not None:
        body["due"] = due.isoformat()
    if marking is not None:
        body["marking"] = marking
    res = client.post("/api/work/commitments", json=body, headers=POLICY)
    assert res.status_code == 201, res.text


def _request(client: Any, on: dt.date, activity: str = "information_gathering", marking: Any = None) -> str:
    body: dict[str, Any] = {
        "protected_party": "usa",
        "activity": activity,
        "asset": "ship",
        "by": "ship",
        "on": on.isoformat(),
    }
    if marking is not None:
        body["marking"] = marking
    res = client.post("/api/work/protection", json=body, headers=JP)
    assert res.status_code == 201, res.text
    return str(res.json()["id"])


def test_commitments_due_within_60_days_or_late_show_to_policy_officers(app: Any) -> None:
    today = dt.date.today()
    _commit(app, "soon", today + dt.timedelta(days=10))
    _commit(app, "late", today - dt.timedelta(days=5))
    _commit(app, "edge", today + dt.timedelta(days=60))
    _commit(app, "later", today + dt.timedelta(days=61))  # not yet
    _commit(app, "undated", None)  # no due date: never late, never due
    items = _items(app, POLICY)
    assert [i["detail"]["id"] for i in items] == ["late", "soon", "edge"]  # by due date
    seen = _by_id(items)
    late, soon = seen["late"], seen["soon"]
    assert late["kind"] == soon["kind"] == "work.commitment.due"
    assert (late["due"], late["overdue"]) == ((today - dt.timedelta(days=5)).isoformat(), True)
    assert (soon["due"], soon["overdue"]) == ((today + dt.timedelta(days=10)).isoformat(), False)
    assert soon["href"] == "/work/commitments#soon"
    assert soon["title"] == {
        "ja": "約束「見直し作業 soon」の期限（担当：防衛協力小委員会）",
        "en": "Commitment due: Review work soon (owner: Subcommittee for Defense Cooperation)",
    }
    assert soon["marking"] == {"level": "public", "releasable_to": []}
    assert 'id="soon"' in app.get("/work/commitments").text  # the link's target is on the page
    # Users whose role cannot complete a commitment see none: coordinators, viewers, visitors.
    for who in (JP, US, CTL, VIEWER):
        assert _items(app, who, "work.commitment") == []
    assert app.get("/api/dashboard").status_code == 401
    # Done: gone from the dashboard.
    done = app.post("/api/work/commitments/late/done", json={"on": today.isoformat()}, headers=POLICY)
    assert done.status_code == 200, done.text
    assert [i["detail"]["id"] for i in _items(app, POLICY)] == ["soon", "edge"]


def test_commitments_show_only_to_those_who_may_read_them(app: Any) -> None:
    today = dt.date.today()
    _commit(app, "jpn_only", today + dt.timedelta(days=3), JPN_ONLY)
    _commit(app, "open_to_all", today + dt.timedelta(days=4))
    res = app.get("/api/dashboard", headers=POLICY)
    item = _by_id(res.json()["items"])["jpn_only"]
    assert item["marking"] == {"level": "confidential", "releasable_to": ["jpn"]}
    assert res.headers["x-anpo-marking"] == "CONFIDENTIAL//REL TO JPN"  # the response carries it
    assert [i["detail"]["id"] for i in _items(app, US_POLICY)] == ["open_to_all"]  # usa: not releasable
    assert [i["detail"]["id"] for i in _items(app, JP_POLICY_PUBLIC)] == ["open_to_all"]  # clearance too low


def test_protection_requests_awaiting_a_decision_and_a_carrying_out(app: Any) -> None:
    today = dt.date.today()
    pending = _request(app, today)
    refused = _request(app, today, activity="disaster_relief")  # the law does not allow it: nothing to decide
    declined = _request(app, today)
    assert (
        app.post(
            f"/api/work/protection/{declined}/decision", json={"approve": False, "on": today.isoformat()}, headers=JP
        ).status_code
        == 200
    )
    items = _items(app, JP)
    assert list(_by_id(items)) == [pending] and refused != pending
    item = items[0]
    assert item["kind"] == "work.protection.decide"
    assert item["href"] == f"/work/protection?year={today.year}"
    assert (item["due"], item["overdue"]) == (None, False)
    assert item["title"] == {
        "ja": f"アメリカ合衆国軍の艦艇に対する武器等防護の要請（情報収集・警戒監視活動、{today.isoformat()}付け）"
        "について防衛大臣の決定が必要です",
        "en": "Decision of the Minister of Defense needed on the request for asset protection for ships of "
        f"the United States (information gathering, warning and surveillance; requested {today.isoformat()})",
    }
    assert pending in app.get(item["href"]).text  # the record is listed where the link leads
    # Whoever may decide sees it (Japan's coordinators and exercise controllers); no one else: the
    # decision is Japan's Minister's, so not a U.S. coordinator, who may read the record.
    assert [i["detail"]["id"] for i in _items(app, CTL)] == [pending]
    for who in (POLICY, VIEWER, US):
        assert _items(app, who, "work.protection") == []
    # Approved: now awaiting its carrying out.
    ok = app.post(
        f"/api/work/protection/{pending}/decision", json={"approve": True, "on": today.isoformat()}, headers=JP
    )
    assert ok.status_code == 200, ok.text
    [item] = _items(app, JP)
    assert (item["kind"], item["detail"]["id"], item["href"]) == (
        "work.protection.carry_out",
        pending,
        f"/work/protection?year={today.year}",
    )
    assert f"{today.isoformat()}に承認" in item["title"]["ja"] and "実施を記録してください" in item["title"]["ja"]
    assert item["title"]["en"].startswith("Record the carrying out of the approved asset protection for ships")
    for text in item["title"].values():  # labels, not ids
        assert "usa" not in text and "information_gathering" not in text
    # Carried out: nothing left to do.
    done = app.post(
        f"/api/work/protection/{pending}/carried-out", json={"on": today.isoformat(), "units": "DD-101"}, headers=JP
    )
    assert done.status_code == 200, done.text
    assert _items(app, JP) == []


def test_protection_requests_show_only_to_those_who_may_read_them(app: Any) -> None:
    today = dt.date.today()
    marked = _request(app, today, marking={"level": "secret", "releasable_to": ["jpn"]})
    res = app.get("/api/dashboard", headers=JP)
    assert _by_id(res.json()["items"])[marked]["marking"] == {"level": "secret", "releasable_to": ["jpn"]}
    assert res.headers["x-anpo-marking"] == "SECRET//REL TO JPN"
    assert _items(app, US) == []  # not releasable to usa


def test_exercise_runs_protection_records_never_show(app: Any, work: Any) -> None:
    today = dt.date.today()
    with work() as w:
        args = {"protected_party": "usa", "activity": "joint_training", "protected_asset": "ship"}
        waiting = request_protection(w, **args, protecting_asset="ship", requested_on=today, exercise="run1")
        approved = request_protection(w, **args, protecting_asset="ship", requested_on=today, exercise="run1")
        decide_protection(w, approved["id"], True, today, exercise="run1")
    real = _request(app, today)
    for who in (JP, CTL):
        assert [i["detail"]["id"] for i in _items(app, who)] == [real]
    shown = app.get("/api/dashboard", headers=CTL).text
    assert waiting["id"] not in shown and approved["id"] not in shown


def test_the_dashboard_reads_the_records_in_two_queries(app: Any, engine: Any) -> None:
    """However many records are due, the work's source asks the database the same number of
    queries: one for the commitments, one for the protection records."""
    from sqlalchemy import event

    today = dt.date.today()
    admin = {"x-anpo-work-token": "tok-admin"}
    app.app.state.work_tokens["tok-admin"] = Principal("root", "jpn", "secret", frozenset({"administrator"}))

    def queries() -> tuple[int, int]:
        seen: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            items = _items(app, admin)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        work_queries = [s for s in seen if "work_commitments" in s or "work_protection" in s]
        return len(items), len(work_queries)

    _commit(app, "one", today)
    _request(app, today)
    few = queries()
    for n in range(5):
        _commit(app, f"more_{n}", today + dt.timedelta(days=n))
        _request(app, today)
    many = queries()
    assert (few, many) == ((2, 2), (12, 2))


def test_a_logged_in_user_sees_the_work_items(engine: Any, mfw: Any, app: Any) -> None:
    """Through the login and its session cookie, as a browser: the page lists the item and links to it."""
    from fastapi.testclient import TestClient

    from anpo.security.accounts import create_user
    from anpo.security.markings import Levels
    from anpo.store.db import session_factory, transaction
    from anpo.web.app import create_app

    today = dt.date.today()
    _commit(app, "for_tanaka", today - dt.timedelta(days=1))
    password = "correct horse battery staple"
    with transaction(session_factory(engine)) as session:
        create_user(
            session, Levels(mfw), "tanaka", password, party="jpn", clearance="secret", roles=("policy_officer",)
        )
    web = create_app(mfw)
    web.state.work_engine = engine
    with TestClient(web) as browser:
        browser.get("/login")  # the CSRF cookie, as a browser gets it
        form = {"username": "tanaka", "password": password, "csrf_token": browser.cookies.get("anpo_csrf") or ""}
        assert browser.post("/login", data=form, follow_redirects=False).status_code == 303
        page = browser.get("/dashboard?lang=ja")
        assert page.status_code == 200
        assert 'href="/work/commitments#for_tanaka"' in page.text
        assert "約束「見直し作業 for_tanaka」の期限（担当：防衛協力小委員会）" in page.text and "期限超過" in page.text
