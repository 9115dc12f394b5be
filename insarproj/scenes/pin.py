"""What a fresh search changes against the pinned one (``--refresh-search``, docs/cli.md)."""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, Field

from insarproj.scenes.model import ScenePin

_SHOWN = 3
_DATE_PREFIX = re.compile(r"^[AD]\d{3}\S* \d{4}-\d{2}-\d{2}: ")


class PinDiff(BaseModel):
    joined: list[str] = Field(default_factory=list, description="Scenes kept now and not before.")
    left: list[str] = Field(default_factory=list, description="Scenes kept before and not now.")
    left_reasons: dict[str, str] = Field(default_factory=dict)
    changed_stacks: list[str] = Field(default_factory=list, description="Stacks added, removed or altered.")
    new_dates: dict[str, list[date]] = Field(default_factory=dict)
    removed_dates: dict[str, list[date]] = Field(default_factory=dict)
    summary: str

    @property
    def changed(self) -> bool:
        return bool(self.joined or self.left or self.changed_stacks)


def diff_pins(old: ScenePin | None, new: ScenePin) -> PinDiff:
    """Scenes joining and leaving, stacks changed, and one line saying so."""
    if old is None:
        ids = ", ".join(s.id for s in new.stacks) or "none"
        return PinDiff(
            joined=sorted(new.scenes),
            changed_stacks=[s.id for s in new.stacks],
            new_dates={s.id: [d.date for d in s.dates] for s in new.stacks},
            summary=f"first search: {_count(len(new.scenes), 'scene')} in "
            f"{_count(len(new.stacks), 'stack')} ({ids})",
        )

    joined = sorted(set(new.scenes) - set(old.scenes))
    left = sorted(set(old.scenes) - set(new.scenes))
    dropped = {d.name: d.reason for d in new.dropped_scenes}
    left_reasons = {name: _left_reason(dropped.get(name)) for name in left}

    old_stacks = {s.id: s for s in old.stacks}
    new_stacks = {s.id: s for s in new.stacks}
    changed = sorted(
        sid
        for sid in set(old_stacks) | set(new_stacks)
        if sid not in old_stacks
        or sid not in new_stacks
        or old_stacks[sid].model_dump(mode="json") != new_stacks[sid].model_dump(mode="json")
    )
    new_dates: dict[str, list[date]] = {}
    removed_dates: dict[str, list[date]] = {}
    for sid in changed:
        before = {d.date for d in old_stacks[sid].dates} if sid in old_stacks else set()
        after = {d.date for d in new_stacks[sid].dates} if sid in new_stacks else set()
        if after - before:
            new_dates[sid] = sorted(after - before)
        if before - after:
            removed_dates[sid] = sorted(before - after)

    return PinDiff(
        joined=joined,
        left=left,
        left_reasons=left_reasons,
        changed_stacks=changed,
        new_dates=new_dates,
        removed_dates=removed_dates,
        summary=_summary(new, joined, left, left_reasons, changed, new_dates),
    )


def _left_reason(reason: str | None) -> str:
    if reason is None:
        return "no longer found by the search"
    return "now " + _DATE_PREFIX.sub("", reason)


def _summary(
    new: ScenePin,
    joined: list[str],
    left: list[str],
    reasons: dict[str, str],
    changed: list[str],
    new_dates: dict[str, list[date]],
) -> str:
    if not joined and not left:
        if changed:
            return f"the same {_count(len(new.scenes), 'scene')}; stacks changed: {', '.join(changed)}"
        return f"no change: the same {_count(len(new.scenes), 'scene')} in {_count(len(new.stacks), 'stack')}"
    parts: list[str] = []
    if joined:
        text = f"+{len(joined)} {'scene joins' if len(joined) == 1 else 'scenes join'}"
        if new_dates:
            text += (
                " ("
                + ", ".join(
                    f"{_count(len(dates), 'new date')} in {sid}" for sid, dates in sorted(new_dates.items())
                )
                + ")"
            )
        parts.append(text)
    if left:
        shown = ", ".join(f"{name} ({reasons[name]})" for name in left[:_SHOWN])
        more = f" and {len(left) - _SHOWN} more" if len(left) > _SHOWN else ""
        parts.append(f"\u2212{len(left)} {'leaves' if len(left) == 1 else 'leave'}: {shown}{more}")
    return ", ".join(parts)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
