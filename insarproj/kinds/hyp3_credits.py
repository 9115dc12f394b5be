"""What a plan's HyP3 submissions spend now, and what waits: one budget, one note (docs/cli.md).

Apply submits in connect-early order while the account's remaining credits and `max_credits`
allow, and defers the rest (`kinds/hyp3.py`, `_within_budget`). Plan walks the same order with the
same budget, so the submissions it marks as held back are the ones apply will defer, and every
number the plan prints — each line, the account note, the headline — counts only what this plan
(after `--target`) really spends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from insarproj.engine.model import Action

MAX_CREDITS = "max_credits"
ACCOUNT = "the account's credits"


def hold_back(submissions: Sequence[Action], user: Any | None, max_credits: float | None) -> None:
    """Mark, in order, the submissions the budget cannot pay for now (``user``: the account, None
    when it was not read; then only ``max_credits`` bounds the budget)."""
    remaining = user.remaining_credits if user is not None else None
    bounds = [b for b in (remaining, max_credits) if b is not None]
    if not bounds:
        return
    budget = min(bounds)
    for action in submissions:
        cost = action.credits or 0.0
        if cost <= budget:
            budget -= cost
            continue
        # The cap that binds: max_credits when it is below what the account has.
        capped = max_credits is not None and (remaining is None or max_credits < remaining)
        action.held_back = MAX_CREDITS if capped else ACCOUNT


def account_note(user: Any, submissions: Sequence[Action], max_credits: float | None) -> str:
    """The account against what this plan spends now and holds back (the lines' own numbers)."""
    now = sum(a.credits or 0.0 for a in submissions if not a.held_back)
    held = [a for a in submissions if a.held_back]
    monthly = f" of {user.credits_per_month:g} per month" if user.credits_per_month else ""
    note = (
        f"HyP3 account {user.user_id}: {user.remaining_credits:g} credits left{monthly}, application "
        f"{user.application_status or 'not required'}; this plan spends {now:g}"
    )
    if max_credits is not None:
        note += f" (max_credits {max_credits:g} per apply)"
    if held:
        later = sum(a.credits or 0.0 for a in held)
        why = "max_credits" if any(a.held_back == MAX_CREDITS for a in held) else "the account's credits"
        note += (
            f"; {len(held)} more submission{'s' * (len(held) != 1)} ({later:g} credits) held back by "
            f"{why}, planned for a later apply"
        )
    if not user.approved():
        note += "; the account is not approved to submit jobs yet"
    return note


def offline_note(submissions: Sequence[Action]) -> list[str]:
    if not submissions:
        return []
    return [
        "could not check HyP3 for jobs to adopt (--offline): the submissions are priced as if HyP3 "
        "had none of them; an online plan lists the project's jobs and shows what apply adopts"
    ]


def settle(attempts: list[dict[str, Any]], job_id: str, cost: float | None) -> None:
    """HyP3's current charge for ``job_id`` replaces the one its POST answered: a job HyP3 answered
    from its archive (an ARIA_S1_GUNW product that already existed) is refunded, its cost then 0
    (docs/aria.md "Credits"). ``attempts`` is a fresh list the caller owns."""
    if cost is None:
        return
    for i, attempt in enumerate(attempts):
        if attempt.get("job_id") == job_id and attempt.get("credit_cost") != cost:
            attempts[i] = {**attempt, "credit_cost": cost}


def charged(state: Any, posted: dict[str, tuple[str, float]]) -> tuple[float, float]:
    """(spent, refunded) of the jobs an apply posted (``posted``: job id -> (address, the POST's
    cost)), each at its latest known charge: the one the state's record holds once HyP3 listed
    the job since (apply --wait, or an adoption's listing), else what the POST answered."""
    spent = refunded = 0.0
    for job_id, (address, cost) in posted.items():
        record = state.get(address)
        attempts = record["attributes"].get("attempts", []) if record else []
        now = next((a.get("credit_cost") for a in attempts if a.get("job_id") == job_id), None)
        now = cost if now is None else float(now)
        spent += now
        refunded += max(cost - now, 0.0)
    return spent, refunded


def spent_on(attrs: dict[str, Any]) -> float:
    """The credits a job record's attempts were charged; the current job's charge is the one HyP3
    listed last (``attrs["credit_cost"]``), so a refund counts even in records written before the
    attempts were settled."""
    total = 0.0
    for attempt in attrs.get("attempts", []):
        cost = attempt.get("credit_cost")
        if attempt.get("job_id") == attrs.get("job_id") and attrs.get("credit_cost") is not None:
            cost = attrs["credit_cost"]
        total += float(cost or 0)
    return total
