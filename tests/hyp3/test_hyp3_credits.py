"""The plan's credit budget (kinds/hyp3_credits.py): what is spent now, what is held back, and a
note whose numbers are the lines' own."""

from __future__ import annotations

from dataclasses import dataclass

from insarproj.engine.model import Action, Op
from insarproj.kinds.hyp3_credits import account_note, hold_back


@dataclass
class User:
    remaining_credits: float
    credits_per_month: float | None = 10000
    user_id: str = "me"
    application_status: str = "APPROVED"

    def approved(self) -> bool:
        return True


def submissions(*costs: float) -> list[Action]:
    return [
        Action(address=f"hyp3_job.A064.{i}", kind="hyp3_job", op=Op.CREATE, reason="not submitted", credits=c)
        for i, c in enumerate(costs)
    ]


def test_max_credits_holds_back_in_order_what_the_cap_cannot_pay() -> None:
    actions = submissions(10, 10, 15, 5)
    hold_back(actions, User(remaining_credits=1000), max_credits=25)
    # Like apply's budget: a cheaper job later in the order still fits what is left.
    assert [a.held_back for a in actions] == [None, None, "max_credits", None]


def test_the_account_binds_when_it_has_less_than_the_cap() -> None:
    actions = submissions(10, 10)
    hold_back(actions, User(remaining_credits=15), max_credits=100)
    assert [a.held_back for a in actions] == [None, "the account's credits"]


def test_offline_only_the_cap_bounds_and_without_either_nothing_is_held() -> None:
    capped, free = submissions(10, 10), submissions(10, 10)
    hold_back(capped, None, max_credits=10)
    hold_back(free, None, max_credits=None)
    assert [a.held_back for a in capped] == [None, "max_credits"]
    assert [a.held_back for a in free] == [None, None]


def test_the_note_counts_what_the_lines_count() -> None:
    actions = submissions(10, 10, 10)
    hold_back(actions, User(remaining_credits=1000), max_credits=20)
    note = account_note(User(remaining_credits=1000), actions, 20)
    assert "this plan spends 20 (max_credits 20 per apply)" in note
    assert "1 more submission (10 credits) held back by max_credits" in note
