"""The exception model validators raise to point at a key below the model being validated."""

from __future__ import annotations

KeyPath = tuple[str | int, ...]


class FieldProblem(ValueError):
    """A config problem at ``key`` (relative to the validated model) with an optional fix in ``hint``.

    Pydantic keeps the raised exception in the error's ``ctx["error"]``; the loader appends ``key``
    to the error location so the message names the exact key and its line.
    """

    def __init__(self, message: str, *, key: KeyPath = (), hint: str | None = None) -> None:
        super().__init__(message if hint is None else f"{message}: {hint}")
        self.message = message
        self.key = key
        self.hint = hint

    def under(self, *prefix: str | int) -> FieldProblem:
        """The same problem with ``prefix`` put in front of its key."""
        return FieldProblem(self.message, key=(*prefix, *self.key), hint=self.hint)
