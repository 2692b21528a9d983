"""Problems found in a cluster spec, the one exception that carries them, and how they are shown safely."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError
from pydantic_core import ErrorDetails

Severity = Literal["error", "warning"]

#: Longest field path and message shown (a spec value echoed in a message is cut to fit).
PATH_MAX_SHOWN = 160
MESSAGE_MAX_SHOWN = 400
#: Longest part of a path taken from the spec itself (an unknown key), before it is cut.
KEY_MAX_SHOWN = 40


def printable(text: str, limit: int | None = None) -> str:
    """``text`` safe for a terminal: control, escape and bidi characters as ``\\xNN``/``\\uNNNN``, cut at ``limit``."""
    out = []
    for c in text:
        if c.isprintable() or c == " ":
            out.append(c)
        elif ord(c) < 0x100:
            out.append(f"\\x{ord(c):02x}")
        else:
            out.append(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}")
    shown = "".join(out)
    if limit is not None and len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return shown


def format_path(loc: Iterable[str | int]) -> str:
    """Render a location tuple as a field path: ``('units', 1, 'ip')`` -> ``units[1].ip``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = printable(str(part), KEY_MAX_SHOWN)
            out += f".{key}" if out else key
    return out or "(spec)"


@dataclass(frozen=True)
class Problem:
    """One finding about one field of a spec; path and message are always printable and bounded."""

    path: str
    message: str
    severity: Severity = "error"

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", printable(self.path, PATH_MAX_SHOWN))
        object.__setattr__(self, "message", printable(self.message, MESSAGE_MAX_SHOWN))

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        """The problem as JSON-ready data."""
        return {"path": self.path, "message": self.message, "severity": self.severity}


class SpecError(Exception):
    """A cluster spec is invalid; ``problems`` lists every error found, in order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def from_validation_error(cls, exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> SpecError:
        """Translate pydantic's structural errors into field-path problems."""
        return cls(problems_of_validation_error(exc, prefix))


def problems_of_validation_error(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    """Pydantic's structural errors as field-path problems, in pydantic's order."""
    problems = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = prefix + tuple(p for p in err["loc"] if not _is_union_tag(p))
        problems.append(Problem(format_path(loc), _plain_message(err)))
    return problems


def _is_union_tag(part: object) -> bool:
    # pydantic adds the member type name ("function-after[...]") inside unions.
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "bool"})


def _plain_message(err: ErrorDetails) -> str:
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if err["type"] == "extra_forbidden":
        return "unknown field (check the spelling against the spec reference)"
    if err["type"] == "missing":
        return "required field is missing"
    return msg
