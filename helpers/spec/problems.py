"""Problems found in a cluster spec, and the one exception that carries them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError
from pydantic_core import ErrorDetails

Severity = Literal["error", "warning"]


def format_path(loc: Iterable[str | int]) -> str:
    """Render a location tuple as a field path: ``('units', 1, 'ip')`` -> ``units[1].ip``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(spec)"


@dataclass(frozen=True)
class Problem:
    """One finding about one field of a spec."""

    path: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class SpecError(Exception):
    """A cluster spec is invalid; ``problems`` lists every error found, in order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def from_validation_error(cls, exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> SpecError:
        """Translate pydantic's structural errors into field-path problems."""
        problems = []
        for err in exc.errors(include_url=False):
            loc = prefix + tuple(p for p in err["loc"] if not _is_union_tag(p))
            problems.append(Problem(format_path(loc), _plain_message(err)))
        return cls(problems)


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
