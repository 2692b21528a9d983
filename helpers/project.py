"""A site repository's settings: ``cdktf.json`` ``context.fgtha`` (which specs, where state lives, destroy guard).

The repository root is the folder holding ``cdktf.json``. Its ``context.fgtha`` holds:

- ``specs``: paths or globs relative to the root (default ``clusters/*.yaml``); the environment variable
  ``FGTHA_SPECS`` (separated by ``:`` or ``,``) overrides it for one run;
- ``state``: exactly one of ``{"local": {...}}`` (default), ``{"pg": {...}}``, ``{"s3": {...}}``,
  ``{"http": {...}}``; secrets (a connection string, credentials) come from the environment, never from here;
- ``allow_destroy``: ``true`` lifts ``prevent_destroy`` from the HA settings and boot volumes
  (``FGTHA_ALLOW_DESTROY=1`` does the same for one run).

Problems are :class:`~fgtha.spec.problems.SpecError` lines with the path inside ``cdktf.json``
(``context.fgtha.state.s3.bucket: required field is missing``).
"""

from __future__ import annotations

import glob
import json
import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator, model_validator

from .spec.problems import Problem, SpecError

CONFIG_FILE = "cdktf.json"
DEFAULT_SPECS = ("clusters/*.yaml",)
SPECS_ENV = "FGTHA_SPECS"
ALLOW_DESTROY_ENV = "FGTHA_ALLOW_DESTROY"
#: Terraform's pg backend reads its connection string from this variable when ``conn_str`` is not set.
PG_CONN_ENV = "PG_CONN_STR"
#: PostgreSQL truncates longer identifiers (NAMEDATALEN - 1), which could merge two stacks' schemas.
PG_IDENTIFIER_MAX = 63
STACK_PLACEHOLDER = "{stack}"
_CONTEXT = ("context", "fgtha")


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class LocalState(_Settings):
    """One state file per stack, ``<dir>/<stack>.tfstate``, in a folder of mode 0700 the app creates."""

    dir: Annotated[str, Field(min_length=1)] = ".fgtha/state"


class PgState(_Settings):
    """PostgreSQL: one schema per stack, ``<schema_prefix><stack>`` (dashes become underscores).

    The connection string comes from ``PG_CONN_STR`` (as Terraform's pg backend reads it), never from cdktf.json.
    """

    schema_prefix: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$", max_length=30)] = "fgtha_"

    @model_validator(mode="before")
    @classmethod
    def _no_connection_string(cls, data: object) -> object:
        if isinstance(data, dict) and "conn_str" in data:
            raise ValueError(f"conn_str holds a password: leave it out and set {PG_CONN_ENV} in the environment")
        return data


class S3State(_Settings):
    """S3: one object per stack, ``<key_prefix>/<stack>.tfstate``; locking by a lock file next to it."""

    bucket: Annotated[str, Field(min_length=3, max_length=63)]
    region: Annotated[str, Field(min_length=1)]
    key_prefix: Annotated[str, Field(pattern=r"^[^/].*[^/]$|^[^/]$")] = "fgtha"
    use_lockfile: StrictBool = True
    encrypt: StrictBool = True


class HttpState(_Settings):
    """An HTTP state service; each address must contain ``{stack}`` so that every stack has its own state.

    ``lock_address`` and ``unlock_address`` default to the state address (methods LOCK / UNLOCK); credentials
    come from ``TF_HTTP_USERNAME`` / ``TF_HTTP_PASSWORD``.
    """

    address: str
    lock_address: str | None = None
    unlock_address: str | None = None
    lock_method: Annotated[str, Field(pattern=r"^[A-Z]+$")] = "LOCK"
    unlock_method: Annotated[str, Field(pattern=r"^[A-Z]+$")] = "UNLOCK"
    skip_cert_verification: StrictBool = False

    @field_validator("address", "lock_address", "unlock_address")
    @classmethod
    def _per_stack_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an http:// or https:// URL")
        if STACK_PLACEHOLDER not in value:
            raise ValueError(f"{value!r} must contain {STACK_PLACEHOLDER} (each stack has its own state)")
        return value


class State(_Settings):
    """Where every stack keeps its state: exactly one backend."""

    local: LocalState | None = None
    pg: PgState | None = None
    s3: S3State | None = None
    http: HttpState | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> State:
        chosen = [name for name in ("local", "pg", "s3", "http") if getattr(self, name) is not None]
        if len(chosen) > 1:
            raise ValueError(f"choose one backend, not {' and '.join(chosen)}")
        return self

    @property
    def kind(self) -> Literal["local", "pg", "s3", "http"]:
        """The chosen backend's name (``local`` when none is given)."""
        for name in ("pg", "s3", "http"):
            if getattr(self, name) is not None:
                return name  # type: ignore[return-value]
        return "local"

    @property
    def local_dir(self) -> str | None:
        """The folder of the state files when state is local (relative to the repository, or absolute)."""
        return (self.local or LocalState()).dir if self.kind == "local" else None


class ProjectConfig(_Settings):
    """``context.fgtha`` of cdktf.json."""

    specs: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)] = list(DEFAULT_SPECS)
    state: State = State()
    allow_destroy: StrictBool = False


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the working folder) holding cdktf.json, else ``start``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    return here


def load_config(root: Path) -> ProjectConfig:
    """Read ``root/cdktf.json``'s ``context.fgtha`` (defaults when the file or the key is missing)."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return ProjectConfig()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([Problem(CONFIG_FILE, f"cannot read: {getattr(exc, 'strerror', None) or exc}")]) from None
    except json.JSONDecodeError as exc:
        raise SpecError([Problem(f"{CONFIG_FILE}:{exc.lineno}", f"not JSON: {exc.msg}")]) from None
    context = data.get("context") if isinstance(data, dict) else None
    settings = context.get("fgtha", {}) if isinstance(context, dict) else {}
    try:
        return ProjectConfig.model_validate(settings)
    except ValidationError as exc:
        raise SpecError.from_validation_error(exc, prefix=_CONTEXT) from None


def allow_destroy(config: ProjectConfig) -> bool:
    """Whether ``prevent_destroy`` is lifted: ``allow_destroy`` in cdktf.json, or ``FGTHA_ALLOW_DESTROY=1``."""
    return config.allow_destroy or os.environ.get(ALLOW_DESTROY_ENV) == "1"


def spec_patterns(config: ProjectConfig) -> tuple[str, ...]:
    """The spec paths or globs of this run: ``FGTHA_SPECS`` when set, else cdktf.json's ``specs``."""
    override = os.environ.get(SPECS_ENV, "").strip()
    if override:
        return tuple(p.strip() for p in re.split(r"[:,]", override) if p.strip())
    return tuple(config.specs)


def spec_files(root: Path, patterns: tuple[str, ...]) -> list[Path]:
    """Every file the patterns name (relative to ``root``), in pattern order, each once.

    A pattern that matches nothing is a problem: a typo must not synthesize an empty site.
    """
    found: list[Path] = []
    problems = []
    for pattern in patterns:
        base = pattern if os.path.isabs(pattern) else str(root / pattern)
        matches = sorted(Path(p) for p in glob.glob(base, recursive=True) if Path(p).is_file())
        if not matches:
            where = SPECS_ENV if os.environ.get(SPECS_ENV, "").strip() else "context.fgtha.specs"
            problems.append(Problem(where, f"{pattern!r} matches no file under {root}"))
        found += [m for m in matches if m not in found]
    if problems:
        raise SpecError(problems)
    return found
