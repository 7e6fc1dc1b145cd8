"""The QA pass on recorded meetings and their commitments: a commitment is never marked below its
meeting (nothing of a secret meeting reaches those who may not read it); a marking above public
names at least one party; a meeting is not dated before its body existed; a commitment is not done
in the future; a recorded meeting may be what did one; refusals in the reader's words."""

from __future__ import annotations

import datetime as dt
from typing import Any

POLICY = {"x-anpo-work-token": "tok-policy"}  # jpn, secret, policy officer
JP = {"x-anpo-work-token": "tok-jpn"}  # jpn, secret, coordinator
US = {"x-anpo-work-token": "tok-usa"}  # usa, secret, coordinator
CTL = {"x-anpo-work-token": "tok-ctl"}  # jpn, secret, exercise controller

SECRET_MEETING = {
    "id": "sec_mtg_1",
    "body": "scc",
    "date": "2026-07-10",
    "label": {"ja": "秘密の会合", "en": "Secret meeting"},
    "outcomes": [{"id": "o1", "text": {"ja": "成果", "en": "Outcome"}}],
    "source": "Internal memo",
    "marking": {"level": "secret", "releasable_to": ["jpn"]},
}
PUBLIC_MEETING = {
    "id": "pub_mtg_1",
    "body": "scc",
    "date": "2026-07-20",
    "label": {"ja": "公開の会合", "en": "Public meeting"},
    "source": "Joint statement",
}
LEAK = {
    "id": "leak_c1",
    "meeting": "sec_mtg_1",
    "owner": "sdc",
    "label": {"ja": "公開", "en": "Public c"},
    "due": "2026-12-31",
    "outcome": "o1",
}


def _error(res: Any, status: int = 400) -> dict[str, str]:
    assert res.status_code == status, res.text
    body = res.json()
    assert body["code"] == ("invalid" if status == 400 else body["code"]) and body["error"]["ja"], body
    return body["error"]


def test_a_commitment_is_marked_as_its_meeting_and_never_below_it(wclient: Any, cli: Any, db_url: str) -> None:
    assert wclient.post("/api/work/meetings", json=SECRET_MEETING, headers=POLICY).status_code == 201
    for marking, reason in (
        ({"level": "public", "releasable_to": []}, "a commitment cannot be marked lower (Public) than its meeting"),
        ({"level": "confidential", "releasable_to": ["jpn"]}, "cannot be marked lower (Confidential)"),
        ({"level": "secret", "releasable_to": ["jpn", "usa"]}, "a commitment cannot be releasable more widely"),
    ):
        error = _error(wclient.post("/api/work/commitments", json={**LEAK, "marking": marking}, headers=POLICY))
        assert reason in error["en"] and "約束" in error["ja"] and "会合" in error["ja"], error
    made = wclient.post("/api/work/commitments", json=LEAK, headers=POLICY)  # no marking: the meeting's
    assert made.status_code == 201, made.text
    assert made.json()["marking"]["level"] == "secret" and made.json()["marking"]["releasable_to"] == ["jpn"]
    top = {**LEAK, "id": "leak_c3", "marking": {"level": "top_secret", "releasable_to": ["jpn"]}}
    assert _error(wclient.post("/api/work/commitments", json=top, headers=POLICY), 403)  # above the poster

    base = ("--meeting", "sec_mtg_1", "--owner", "sdc", "--label-ja", "公開", "--label-en", "Public c")
    c2 = cli.json("commitments", "add", "leak_c2", *base, "--due", "2026-12-31", "--outcome", "o1", "--url", db_url)
    assert c2["marking"]["level"] == "secret" and c2["marking"]["releasable_to"] == ["jpn"]
    low = cli.run("commitments", "add", "leak_c4", *base, "--marking", "public", "--url", db_url)
    assert low.exit_code == 2 and "cannot be marked lower" in low.stderr, low.output

    # nothing of the secret meeting reaches a U.S. user or an anonymous visitor
    for who in (US, {}):
        for url in ("/api/work/commitments", "/work/commitments", "/api/dashboard", "/dashboard"):
            text = wclient.get(url, headers=who).text
            for secret in ("leak_c1", "leak_c2", "sec_mtg_1", "Internal memo", "秘密の会合"):
                assert secret not in text, (who, url, secret)
    mine = wclient.get("/api/work/commitments", headers=JP).json()["commitments"]
    row = next(c for c in mine if c["id"] == "leak_c1")
    assert row["meeting"]["id"] == "sec_mtg_1" and row["outcome"] == "o1"
    assert row["citations"] == [{"source": "Internal memo", "locator": ""}]


def test_derived_fields_are_hidden_from_a_reader_of_the_commitment_who_may_not_read_the_meeting(work: Any) -> None:
    """Should a row be marked below its meeting (written before the rule, or the meeting re-marked),
    its outcome and the meeting's citations are still shown only to readers of the meeting."""
    from anpo.framework.model import Text
    from anpo.security.markings import PUBLIC, Marking
    from anpo.work.consultations import add_commitment, list_commitments, record_meeting
    from anpo.work.tables import Commitment

    with work() as w:  # the system
        record_meeting(
            w, "sec_mtg_9", "scc", dt.date(2026, 7, 10), Text("秘", "Secret"), "Internal memo",
            outcomes=[("o1", Text("成果", "Outcome"))], marking=Marking("secret", frozenset({"jpn"})),
        )  # fmt: skip
        add_commitment(w, "old_c", "sec_mtg_9", "sdc", Text("古い", "Old"), dt.date(2026, 12, 31), "o1")
        w.session.get(Commitment, "old_c").set_marking(PUBLIC)  # as a row of before the rule
    from anpo.security.principal import ANONYMOUS

    with work(ANONYMOUS) as w:
        row = next(c for c in list_commitments(w, dt.date(2026, 8, 1)) if c["id"] == "old_c")
        assert (row["meeting"], row["outcome"], row["citations"]) == (None, None, [])
        assert "Internal memo" not in str(row)


def test_a_marking_above_public_names_a_party_on_every_write(wclient: Any, cli: Any, db_url: str) -> None:
    reason = "name at least one party the record is releasable to"
    for rel in ([], None, "absent"):
        marking: dict[str, Any] = {"level": "secret"} if rel == "absent" else {"level": "secret", "releasable_to": rel}
        error = _error(wclient.post("/api/work/meetings", json={**PUBLIC_MEETING, "marking": marking}, headers=POLICY))
        assert reason in error["en"] and "開示先" in error["ja"], error
    empty = {"marking": {"level": "confidential", "releasable_to": []}}
    case = {"title": {"ja": "発射", "en": "Launch"}, "type": "missile_launch", "level": "bocc", "on": "2024-06-10"}
    case_id = wclient.post("/api/work/cases", json=case, headers=JP).json()["id"]
    for path, body, who in (
        ("/api/work/cases", case, JP),
        (f"/api/work/cases/{case_id}/entries", {"type": "message", "text": "x"}, JP),
        ("/api/work/bookings", {"facility": "camp_hansen", "start": "2025-03-01T08:00", "end": "2025-03-02T08:00"}, US),
        ("/api/work/protection", {"protected_party": "usa", "activity": "joint_training", "asset": "ship", "by": "ship",
                                  "on": "2024-05-01"}, JP),
        ("/api/work/commitments", {**LEAK, "meeting": "scc_2013_10_03", "outcome": None, "due": None}, POLICY),
        ("/api/work/exercises", {"scenario": "ballistic_missile_launch", "seed": 1}, CTL),
    ):  # fmt: skip
        error = _error(wclient.post(path, json={**body, **empty}, headers=who))
        assert reason in error["en"], (path, error)
    base = ("--body", "scc", "--date", "2026-07-10", "--label-ja", "会", "--label-en", "M", "--source", "memo")
    out = cli.run("meetings", "record", "m_norel", *base, "--marking", "secret", "--url", db_url)
    assert out.exit_code == 2 and reason in out.stderr, out.output
    out = cli.run("cases", "open", "--title-ja", "発射", "--title-en", "Launch", "--type", "other", "--level", "acg",
                  "--marking", "secret", "--url", db_url)  # fmt: skip
    assert out.exit_code == 2 and reason in out.stderr, out.output
    out = cli.run("commitments", "add", "c_norel", "--meeting", "scc_2013_10_03", "--owner", "sdc", "--label-ja", "x",
                  "--label-en", "x", "--marking", "secret", "--url", db_url)  # fmt: skip
    assert out.exit_code == 2 and reason in out.stderr, out.output


def test_the_meetings_form_offers_levels_up_to_the_users_clearance(wclient: Any) -> None:
    page = wclient.get("/work/meetings", headers=POLICY).text  # cleared for secret
    assert '<option value="secret">' in page and '<option value="top_secret">' not in page


def test_a_meeting_is_not_dated_before_its_body_existed_and_outcome_ids_are_ids(wclient: Any) -> None:
    for date in ("0001-01-01", "1900-01-01", "1960-01-18"):
        error = _error(wclient.post("/api/work/meetings", json={**PUBLIC_MEETING, "date": date}, headers=POLICY))
        assert f"was established on 1960-01-19: it did not exist on {date}" in error["en"], error
        assert "1960-01-19" in error["ja"] and "日米安全保障協議委員会" in error["ja"], error
    ok = wclient.post(
        "/api/work/meetings", json={**PUBLIC_MEETING, "id": "scc_1960", "date": "1960-01-19"}, headers=POLICY
    )
    assert ok.status_code == 201, ok.text
    for key in ("a/b", "a?b", "a#b", "a b"):
        outcomes = [{"id": key, "text": {"ja": "あ", "en": "A"}}]
        res = wclient.post("/api/work/meetings", json={**PUBLIC_MEETING, "outcomes": outcomes}, headers=POLICY)
        assert "'outcomes[0].id'" in _error(res)["en"] and "may not contain" in _error(res)["en"]


def test_a_commitment_is_not_done_in_the_future(wclient: Any, cli: Any, db_url: str) -> None:
    assert wclient.post("/api/work/meetings", json=PUBLIC_MEETING, headers=POLICY).status_code == 201
    c = {**LEAK, "id": "c_future", "meeting": "pub_mtg_1", "outcome": None}
    assert wclient.post("/api/work/commitments", json=c, headers=POLICY).status_code == 201
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    for on in ("2030-01-01", tomorrow):
        error = _error(wclient.post("/api/work/commitments/c_future/done", json={"on": on}, headers=POLICY))
        assert f"the date it was done ({on}) is after today" in error["en"] and "今日" in error["ja"]
    out = cli.run("commitments", "done", "c_future", "--on", "2030-01-01", "--url", db_url)
    assert out.exit_code == 2 and "is after today" in out.stderr, out.output
    row = next(x for x in wclient.get("/api/work/commitments").json()["commitments"] if x["id"] == "c_future")
    assert row["done_on"] is None and row["status"] in ("open", "late")
    today = dt.date.today().isoformat()
    done = wclient.post("/api/work/commitments/c_future/done", json={"on": today}, headers=POLICY)
    assert done.status_code == 200 and done.json()["status"] == "done"
    row = next(x for x in wclient.get("/api/work/commitments").json()["commitments"] if x["id"] == "c_future")
    assert (row["status"], row["done_on"]) == ("done", today)


def test_a_recorded_meeting_may_be_what_did_a_commitment(wclient: Any, cli: Any, db_url: str) -> None:
    assert wclient.post("/api/work/meetings", json=PUBLIC_MEETING, headers=POLICY).status_code == 201
    assert wclient.post("/api/work/meetings", json=SECRET_MEETING, headers=POLICY).status_code == 201
    first = {**PUBLIC_MEETING, "id": "pub_mtg_0", "date": "2026-07-01"}
    assert wclient.post("/api/work/meetings", json=first, headers=POLICY).status_code == 201
    for cid in ("c_by1", "c_by2", "c_by3"):
        c = {**LEAK, "id": cid, "meeting": "pub_mtg_0", "outcome": None}
        assert wclient.post("/api/work/commitments", json=c, headers=POLICY).status_code == 201
    done = cli.json("commitments", "done", "c_by1", "--on", "2026-07-25", "--by", "pub_mtg_1", "--url", db_url)
    assert done["status"] == "done" and done["done_by"]["id"] == "pub_mtg_1"
    assert done["done_by"]["label"] == PUBLIC_MEETING["label"]
    early = wclient.post(
        "/api/work/commitments/c_by2/done", json={"on": "2026-07-15", "by": "pub_mtg_1"}, headers=POLICY
    )
    assert "dates from 2026-07-20: it did not exist on 2026-07-15" in _error(early)["en"]

    # a U.S. policy officer: the secret meeting answers as an unknown id does
    from anpo.security.principal import Principal

    jones = Principal("jones", "usa", "secret", frozenset({"policy_officer"}))
    wclient.app.state.work_tokens = {**wclient.app.state.work_tokens, "tok-usa-policy": jones}
    us_policy = {"x-anpo-work-token": "tok-usa-policy"}
    url = "/api/work/commitments/c_by3/done"
    hidden = wclient.post(url, json={"on": "2026-07-25", "by": "sec_mtg_1"}, headers=us_policy)
    unknown = wclient.post(url, json={"on": "2026-07-25", "by": "no_such_mtg"}, headers=us_policy)
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.json()["error"]["en"].replace("sec_mtg_1", "X") == unknown.json()["error"]["en"].replace(
        "no_such_mtg", "X"
    )
    assert hidden.json()["error"]["ja"].replace("sec_mtg_1", "X") == unknown.json()["error"]["ja"].replace(
        "no_such_mtg", "X"
    )
    # a jpn policy officer may; a U.S. reader of the public commitment sees no trace of the secret meeting
    ok = wclient.post(url, json={"on": "2026-07-25", "by": "sec_mtg_1"}, headers=POLICY)
    assert ok.status_code == 200 and ok.json()["done_by"]["id"] == "sec_mtg_1"
    listed = wclient.get("/api/work/commitments", headers=US).text
    assert "c_by3" in listed and "sec_mtg_1" not in listed and "Secret meeting" not in listed


def test_refusals_name_kinds_in_the_readers_language(wclient: Any) -> None:
    error = _error(wclient.post("/api/work/meetings", json={**PUBLIC_MEETING, "participants": ["scc"]}, headers=POLICY))
    assert error["ja"] == "「participants」（scc）は協議の場です（使える種類: 役職）", error
    assert error["en"] == "'participants' (scc) is a body (allowed kinds: position)", error
