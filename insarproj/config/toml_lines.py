"""Find the line of a key path in TOML text, so error messages can point at it.

tomllib does not report positions of parsed keys, so this small scanner walks the text once and
records the 1-based line where each table, key and array item starts: ``[a.b]`` and ``[[a.b]]``
headers, dotted and quoted keys, inline tables and (multi-line) arrays. It is used on text that
tomllib has already accepted; on anything it does not understand it stops and keeps what it found.
"""

from __future__ import annotations

import bisect
import contextlib
import re

KeyPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SHOWN_KEY_PARTS = 4


class _Stop(Exception):
    """The scanner met something it does not understand."""


def key_lines(text: str) -> dict[KeyPath, int]:
    """Map every key path found in ``text`` to the line (1-based) where it is defined."""
    scanner = _Scanner(text)
    # What was found before the scanner gave up still locates keys; RecursionError: the scanner
    # descends into nested values recursively.
    with contextlib.suppress(_Stop, IndexError, RecursionError):
        scanner.document()
    return scanner.lines


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of ``path``, else of its nearest ancestor that has one, else None."""
    for end in range(len(path), 0, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None


def first_deep_key(lines: dict[KeyPath, int], depth: int) -> tuple[KeyPath, int] | None:
    """The first key (in file order) holding a value nested ``depth`` levels or more, and its line.

    The key is the path up to its first list index, shortened to a few parts for a message.
    """
    deep = [(line, path) for path, line in lines.items() if len(path) >= depth]
    if not deep:
        return None
    line, path = min(deep, key=lambda item: item[0])
    named: list[str | int] = []
    for part in path:
        if isinstance(part, int) or len(named) == _SHOWN_KEY_PARTS:
            break
        named.append(part)
    return tuple(named), line


def key_at_line(lines: dict[KeyPath, int], line: int) -> KeyPath | None:
    """The deepest key path defined on ``line`` (for pointing a syntax error at a key), if any."""
    found = [path for path, at in lines.items() if at == line]
    return max(found, key=len) if found else None


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.lines: dict[KeyPath, int] = {}
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._table_counts: dict[KeyPath, int] = {}

    # -- positions
    def line(self) -> int:
        return bisect.bisect_right(self._line_starts, self.pos)

    def record(self, path: KeyPath) -> None:
        line = self.line()
        self.lines.setdefault(path, line)
        for end in range(1, len(path)):
            self.lines.setdefault(path[:end], line)

    def peek(self, count: int = 1) -> str:
        return self.text[self.pos : self.pos + count]

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    # -- whitespace
    def skip_spaces(self) -> None:
        while not self.at_end() and self.text[self.pos] in " \t":
            self.pos += 1

    def skip_blank(self) -> None:
        """Spaces, newlines and comments (between statements and inside arrays)."""
        while not self.at_end():
            char = self.text[self.pos]
            if char in " \t\r\n":
                self.pos += 1
            elif char == "#":
                self.skip_comment()
            else:
                return

    def skip_comment(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end

    def expect(self, token: str) -> None:
        if self.peek(len(token)) != token:
            raise _Stop
        self.pos += len(token)

    # -- grammar
    def document(self) -> None:
        table: KeyPath = ()
        while True:
            self.skip_blank()
            if self.at_end():
                return
            if self.peek(2) == "[[":
                self.pos += 2
                name = self.key()
                self.expect("]]")
                index = self._table_counts.get(name, 0)
                self._table_counts[name] = index + 1
                table = (*name, index)
                self.record(table)
            elif self.peek() == "[":
                self.pos += 1
                name = self.key()
                self.expect("]")
                table = name
                self.record(table)
            else:
                path = (*table, *self.key())
                self.record(path)
                self.skip_spaces()
                self.expect("=")
                self.skip_spaces()
                self.value(path)
            self.skip_spaces()
            if self.peek() == "#":
                self.skip_comment()

    def key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self.skip_spaces()
            char = self.peek()
            if char == '"':
                parts.append(self.basic_string())
            elif char == "'":
                parts.append(self.literal_string())
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if not match:
                    raise _Stop
                parts.append(match.group())
                self.pos = match.end()
            self.skip_spaces()
            if self.peek() != ".":
                return tuple(parts)
            self.pos += 1

    def value(self, path: KeyPath) -> None:
        char = self.peek()
        if char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        elif self.peek(3) in ('"""', "'''"):
            self.multiline_string()
        elif char == '"':
            self.basic_string()
        elif char == "'":
            self.literal_string()
        else:
            start = self.pos
            while not self.at_end() and self.text[self.pos] not in ",]}\n#":
                self.pos += 1
            if self.pos == start:
                raise _Stop

    def array(self, path: KeyPath) -> None:
        self.expect("[")
        index = 0
        while True:
            self.skip_blank()
            if self.peek() == "]":
                self.pos += 1
                return
            self.record((*path, index))
            self.value((*path, index))
            self.skip_blank()
            if self.peek() == ",":
                self.pos += 1
                index += 1
            elif self.peek() != "]":
                raise _Stop

    def inline_table(self, path: KeyPath) -> None:
        self.expect("{")
        while True:
            self.skip_blank()
            if self.peek() == "}":
                self.pos += 1
                return
            sub = (*path, *self.key())
            self.record(sub)
            self.skip_spaces()
            self.expect("=")
            self.skip_spaces()
            self.value(sub)
            self.skip_blank()
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() != "}":
                raise _Stop

    def basic_string(self) -> str:
        self.expect('"')
        chars: list[str] = []
        while True:
            char = self.text[self.pos]
            if char == "\\":
                chars.append(self.text[self.pos : self.pos + 2])
                self.pos += 2
            elif char == '"':
                self.pos += 1
                # Keys are compared unescaped; escapes in keys are rare enough to keep as written.
                return "".join(chars)
            elif char == "\n":
                raise _Stop
            else:
                chars.append(char)
                self.pos += 1

    def literal_string(self) -> str:
        self.expect("'")
        end = self.text.find("'", self.pos)
        if end < 0 or "\n" in self.text[self.pos : end]:
            raise _Stop
        content = self.text[self.pos : end]
        self.pos = end + 1
        return content

    def multiline_string(self) -> None:
        quote = self.peek(3)
        self.pos += 3
        while True:
            if self.at_end():
                raise _Stop
            if quote == '"""' and self.text[self.pos] == "\\":
                self.pos += 2
                continue
            if self.peek(3) == quote:
                self.pos += 3
                # Up to two more quotes may close the string (e.g. """a"""").
                while self.peek() == quote[0]:
                    self.pos += 1
                return
            self.pos += 1
