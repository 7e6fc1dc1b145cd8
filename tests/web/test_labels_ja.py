"""The QA pass over the pages: the alliance's work is reachable from the navigation, no page carries
inline styles (the Content-Security-Policy refuses them), the booking form works for an
administrator, and Japanese pages show labels where they showed ids, booleans, English words or
ISO date-times."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from web_helpers import csrf_of, make_users

from anpo.framework.framework import Framework
from anpo.i18n.catalog import MESSAGES

Web = Callable[..., TestClient]
TEMPLATES = Path(__file__).parents[2] / "src" / "anpo" / "web" / "templates"
SECTIONS = ("meetings", "commitments", "protection", "cases", "facilities", "exercises")


def visible(page: str) -> str:
    """The text a reader sees: no scripts, tags or attributes; entities decoded."""
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def shown_in(page: str, name: str) -> str:
    """The visible text of the element with `data-testid="name"` (up to its first closing tag of the same name)."""
    match = re.search(rf'<(\w+)[^>]*data-testid="{re.escape(name)}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, name
    return visible(match.group(2))


def post(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    response = client.post(path, json=body, headers={"X-CSRF-Token": csrf_of(client)})
    assert response.status_code in (200, 201), response.text
    return response.json()


# -- 1. the alliance's work in the top navigation ---------------------------------------------------


def test_the_work_is_in_the_top_navigation_and_its_index_lists_the_sections(web: Web) -> None:
    anonymous, sato = web(), web("sato")
    for client in (anonymous, sato):
        home = client.get("/?lang=ja").text
        assert 'data-testid="nav-work"' in home and "同盟の業務" in shown_in(home, "nav-work")
        assert "Alliance work" in shown_in(client.get("/?lang=en").text, "nav-work")
        index = client.get("/work?lang=ja")
        assert index.status_code == 200
        for key in SECTIONS:  # each section is listed, and readable by whoever followed the link
            assert f'data-testid="work-section-{key}"' in index.text, key
            assert client.get(f"/work/{key}").status_code == 200, key
    assert "Coordination cases" in visible(anonymous.get("/work?lang=en").text)


# -- 2. no inline styles: the Content-Security-Policy (style-src 'self') refuses them ---------------


def test_no_template_has_an_inline_style() -> None:
    for path in sorted(TEMPLATES.glob("*.html")):
        source = path.read_text(encoding="utf-8")
        assert "<style" not in source.lower(), path.name
        assert not re.search(r"\sstyle\s*=", source, re.I), path.name
    css = (TEMPLATES.parent / "static" / "app.css").read_text(encoding="utf-8")
    assert ".page-case .case-grid" in css and ".page-exercise .ev.inject" in css


def test_the_case_and_run_pages_name_their_page_class(web: Web) -> None:
    admin = web("admin")
    case = post(admin, "/api/work/cases", {"title": "t", "type": "gray_zone", "level": "acg", "on": "2024-06-10"})
    page = admin.get(f"/work/cases/{case['id']}").text
    assert '<body class="page-case">' in page and 'class="case-grid"' in page and "<style" not in page
    run = post(admin, "/api/work/exercises", {"scenario": "ballistic_missile_launch", "seed": 1})
    page = admin.get(f"/work/exercises/{run['id']}").text
    assert '<body class="page-exercise">' in page and "<style" not in page


# -- 3. booking from the page -----------------------------------------------------------------------


def test_the_booking_form_asks_an_administrator_for_the_party_and_lists_booking_ids(web: Web) -> None:
    admin, sato, reader = web("admin"), web("sato"), web("reader")
    page = admin.get("/work/facilities?lang=ja").text
    assert 'data-testid="book-party"' in page and 'data-testid="book-marking"' in page
    assert "日本国" in shown_in(page, "book-party") and "アメリカ合衆国" in shown_in(page, "book-party")
    assert "Japan" in shown_in(admin.get("/work/facilities?lang=en").text, "book-party")
    # a user of a party books for it: the form has no party to choose
    mine = sato.get("/work/facilities").text
    assert 'data-testid="book-form"' in mine and 'data-testid="book-party"' not in mine
    # a viewer, and anyone without a party who is not an administrator, has no form that would fail
    assert 'data-testid="book-form"' not in reader.get("/work/facilities").text
    # what the form sends for an administrator is taken; the list shows the booking's number
    body = {"facility": "camp_hansen", "party": "usa", "start": "2005-05-01T08:00", "end": "2005-05-02T08:00"}
    booked = post(admin, "/api/work/bookings", body | {"marking": {"level": "public", "releasable_to": []}})
    page = admin.get("/work/facilities?lang=ja").text
    assert str(booked["id"]) in shown_in(page, f"booking-{booked['id']}")
    assert f'data-testid="cancel-{booked["id"]}"' in page
    # a user of the other party sees the booking but has no button to cancel it
    assert f'data-testid="cancel-{booked["id"]}"' not in sato.get("/work/facilities").text


# -- 4. Japanese pages in Japanese ------------------------------------------------------------------


def test_a_case_page_in_japanese(web: Web) -> None:
    admin = web("admin")
    case = post(
        admin, "/api/work/cases", {"title": "予測事態の案件", "type": "gray_zone", "level": "acg", "on": "2024-06-10"}
    )
    post(admin, f"/api/work/cases/{case['id']}/entries", {"type": "message", "text": "連絡です"})
    post(
        admin,
        f"/api/work/cases/{case['id']}/determinations",
        {"situation": "anticipated_armed_attack", "cabinet_decision_on": "2024-06-10"},
    )
    page = admin.get(f"/work/cases/{case['id']}?lang=ja").text
    text = visible(page)
    for raw in (
        "[opened]",
        "[message]",
        "[determination]",
        "国会承認: report",
        "国会承認: ex_post",
        "T0",
        "→ yes",
        "→ no",
    ):
        assert raw not in text, raw
    assert "[開始]" in text and "[連絡]" in text and "[事態の認定]" in text
    assert "国会承認: 閣議決定後直ちに承認を求める" in text
    # the post form's types, by their labels
    assert shown_in(page, "post-type").split() == ["連絡", "決定", "任務付与"]
    # the questions' answers: labels and はい/いいえ, not ids and yes/no
    answers = [visible(a).strip() for a in re.findall(r'data-testid="question-answer">(.*?)</b>', page, re.S)]
    assert "同盟調整メカニズム" in answers and "alliance_coordination_mechanism" not in " ".join(answers)
    assert {"はい", "いいえ"} & set(answers)
    # the determination's time as the other pages show date-times, with its era date
    determinations = shown_in(page, "determinations")
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d\s*（令和", determinations), determinations
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d", determinations), determinations
    # in English, the same words in English
    en = visible(admin.get(f"/work/cases/{case['id']}?lang=en").text)
    assert (
        "[Opened]" in en
        and "(Diet approval: approval sought right after the Cabinet decision)" in en
        and "Alliance Coordination Mechanism" in en
    )


def test_the_ask_page_answers_with_labels_and_yes_or_no(web: Web) -> None:
    client = web()

    def answer(q: str, params: str, lang: str, on: str = "") -> str:
        page = client.get("/ask?" + urlencode({"q": q, "params": params, "on": on, "lang": lang})).text
        return shown_in(page, "answer-value")

    members = answer("consult.members", "body=scc side=usa", "ja", "2010-01-01")
    assert "駐日米国大使" in members or "米国務長官" in members, members
    assert "usa_" not in members, members
    assert answer("treaty.article5_applies", "place=okinawa", "ja", "1970-01-01") == "いいえ"
    assert answer("treaty.article5_applies", "place=okinawa", "ja", "2000-01-01") == "はい"
    assert answer("treaty.article5_applies", "place=okinawa", "en", "1970-01-01") == "no"
    english = answer("consult.members", "body=scc side=usa", "en", "2010-01-01")
    assert "Secretary of State" in english and "usa_" not in english
    # the JSON twin keeps the ids and booleans
    twin = client.get("/api/ask/treaty.article5_applies?place=okinawa&on=1970-01-01").json()
    assert twin["answer"] is False
    twin = client.get("/api/ask/consult.members?body=scc&side=usa&on=2010-01-01").json()
    assert all(v.startswith("usa_") for v in twin["answer"])


def test_an_acsa_order_history_in_japanese(web: Web, engine: Any, fw: Framework) -> None:
    make_users(
        engine,
        fw,
        {"tanaka": ("jpn", "secret", ("logistics_officer",)), "jones": ("usa", "secret", ("logistics_officer",))},
    )
    tanaka, jones = web("tanaka"), web("jones")
    line = {"category": "fuel", "item": "jp8", "unit": "l", "quantity": "1000", "unit_price": "0.85"}
    order = {"id": "o1", "on": "2020-05-01", "provider": "jpn", "context": "joint_training"}
    order |= {"requesting_unit": "31st MEU", "method": "reimbursement", "lines": [line | {"currency": "USD"}]}
    post(jones, "/api/acsa/orders", order)  # the order is its recipient's step
    post(tanaka, "/api/acsa/orders/o1/sign", {"id": "o1.s1", "on": "2020-05-01"})
    post(jones, "/api/acsa/orders/o1/sign", {"id": "o1.s2", "on": "2020-05-02"})
    delivery = {"id": "o1.d1", "on": "2020-05-03", "lines": [{"line": 1, "quantity": "1000"}], "documents": ["v1"]}
    post(tanaka, "/api/acsa/orders/o1/deliver", delivery)
    post(jones, "/api/acsa/orders/o1/receive", {"id": "o1.r1", "on": "2020-05-04"})
    settle = {"id": "o1.p1", "on": "2020-06-01", "method": "reimbursement", "amount": "850", "commodity": "USD"}
    post(jones, "/api/acsa/orders/o1/settle", settle)
    history = shown_in(tanaka.get("/acsa/orders/o1?lang=ja").text, "history")
    kinds = [k.strip() for k in re.findall(r"· ([^·]+?) ·", history)]
    assert kinds == ["発注", "署名", "署名", "引渡し", "受領確認", "決済"], history
    for raw in ("order", "sign", "deliver", "receive", "settle"):
        assert not re.search(rf"· {raw} ·", history), raw
    assert "· Signed ·" in shown_in(tanaka.get("/acsa/orders/o1?lang=en").text, "history")


def test_the_users_page_in_japanese(web: Web, engine: Any, fw: Framework) -> None:
    make_users(engine, fw, {"chief": ("jpn", "top_secret", ("policy_officer", "exercise_controller"))})
    page = web("admin").get("/admin/users?lang=ja").text
    assert shown_in(page, "clearance-chief") == "機密"
    assert shown_in(page, "clearance-sato") == "極秘"
    assert shown_in(page, "clearance-reader") == "公開"
    assert sorted(shown_in(page, "roles-chief").split(", ")) == sorted(["政策担当", "演習統制官"])
    assert shown_in(page, "roles-admin") == "管理者"
    text = visible(page)
    for raw in ("top_secret", "secret", "public", "policy_officer", "exercise_controller", "administrator", "NONE"):
        assert not re.search(rf"\b{raw}\b", text), raw
    assert "なし" in text


def test_a_run_page_in_japanese(web: Web) -> None:
    admin = web("admin")
    run = post(admin, "/api/work/exercises", {"scenario": "ballistic_missile_launch", "seed": 1})
    for _ in range(2):
        post(admin, f"/api/work/exercises/{run['id']}/step", {"script": True})
    page = admin.get(f"/work/exercises/{run['id']}?lang=ja").text
    text = visible(page)
    assert "[control]" not in text and "[統制]" in text
    assert not re.search(r"\[(jpn|usa)\b", text) and "[日本国" in text
    assert shown_in(page, "act-party").split() == ["日本国", "アメリカ合衆国"]
    cases = shown_in(page, "act-case")
    assert "launch" not in cases and "弾道ミサイル発射" in cases, cases
    assert "[Control]" in visible(admin.get(f"/work/exercises/{run['id']}?lang=en").text)


def test_the_facilities_page_in_japanese(web: Web) -> None:
    admin = web("admin")
    body = {"facility": "camp_hansen", "party": "jpn", "start": "2005-05-01T08:00", "end": "2005-05-02T08:00"}
    booked = post(admin, "/api/work/bookings", body)
    row = shown_in(admin.get("/work/facilities?lang=ja").text, f"booking-{booked['id']}")
    assert "日本国" in row and not re.search(r"\bjpn\b", row), row
    assert "2005-05-01 08:00" in row and "2005-05-01T08:00" not in row, row
    assert f"予約番号 {booked['id']}" in row, row
    row = shown_in(admin.get("/work/facilities?lang=en").text, f"booking-{booked['id']}")
    assert "Japan" in row and f"Booking no. {booked['id']}" in row, row


# -- every id the pages label has its label in both languages ---------------------------------------


@pytest.mark.parametrize(
    "prefix, ids",
    [
        ("ui.work.entry.", "anpo.work.coordination:ENTRY_TYPES"),
        ("ui.work.diet.", "anpo.rules.questions.situation:DIET"),
        ("ui.role.", "anpo.security.principal:ROLES"),
    ],
)
def test_every_labelled_id_has_a_label(prefix: str, ids: str) -> None:
    import importlib

    module, name = ids.split(":")
    for value in getattr(importlib.import_module(module), name):
        assert prefix + value in MESSAGES, prefix + value


def test_every_ledger_event_kind_has_a_label() -> None:
    from anpo.ledger import commands

    kinds = {v.kind for v in vars(commands).values() if isinstance(getattr(v, "kind", None), str)}
    assert {"order", "sign", "deliver", "receive", "settle", "cancel"} <= kinds
    for kind in kinds:
        assert f"ui.acsa.event.{kind}" in MESSAGES, kind
