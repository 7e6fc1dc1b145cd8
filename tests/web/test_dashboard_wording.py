"""The titles of the asset-protection items on the dashboard (`anpo.web.dashboard_work`): the
activity, written mid-sentence, starts in lower case in English; the Japanese is the label itself."""

from __future__ import annotations

from anpo.framework.framework import Framework
from anpo.framework.model import Text
from anpo.web.dashboard_work import protection_title

PARTY = Text("アメリカ合衆国", "the United States")
SHIPS = Text("艦艇", "ships")
MINISTER = Text("防衛大臣", "Minister of Defense")


def test_a_request_names_its_activity_in_lower_case_inside_the_sentence(fw: Framework) -> None:
    activity = ("information_gathering", fw["information_gathering"].label)
    assert protection_title("requested", PARTY, SHIPS, activity, MINISTER, "2024-05-01") == Text(
        "アメリカ合衆国軍の艦艇に対する武器等防護の要請（情報収集・警戒監視活動、2024-05-01付け）について防衛大臣の決定が必要です",
        "Decision of the Minister of Defense needed on the request for asset protection for ships of the United States"
        " (information gathering, warning and surveillance; requested 2024-05-01)",
    )


def test_an_approved_request_names_its_activity_in_lower_case_inside_the_sentence(fw: Framework) -> None:
    activity = ("joint_training", fw["joint_training"].label)
    assert protection_title("approved", PARTY, SHIPS, activity, MINISTER, "") == Text(
        "承認されたアメリカ合衆国軍の艦艇に対する武器等防護（共同訓練）の実施を記録してください",
        "Record the carrying out of the approved asset protection for ships of the United States (joint training)",
    )
