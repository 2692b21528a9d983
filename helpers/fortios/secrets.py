"""Resolve the cluster's secret references to values, at render time only.

A spec names where each secret lives (``{env: NAME}`` or ``{variable: NAME}``);
values are read from the environment (``TF_VAR_NAME`` for a Terraform variable,
Terraform's own convention) or asked for on a terminal, and never stored.
"""

from __future__ import annotations

import getpass
import os
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..spec.facts import API_KEY_ALPHABET, API_KEY_LENGTH, HA_PASSWORD_MAX, LICENSE_TOKEN_ALPHABET
from ..spec.problems import Problem, SpecError

if TYPE_CHECKING:
    from ..spec.model import ClusterSpec, SecretRef, Unit


def check_secret_value(
    path: str,
    value: str,
    max_length: int | None = None,
    *,
    length: int | None = None,
    alphabet: str | None = None,
) -> None:
    """Refuse a value the FortiOS CLI cannot take; raise :class:`SpecError` naming ``path``.

    ``length`` asks for exactly that many characters, ``alphabet`` (a regular-expression character
    class body such as ``A-Za-z0-9``) for those characters only.
    """
    if not value:
        raise SpecError([Problem(path, "is empty; FortiOS needs a value here")])
    if max_length is not None and len(value) > max_length:
        raise SpecError([Problem(path, f"is {len(value)} characters long; FortiOS takes at most {max_length}")])
    if length is not None and len(value) != length:
        raise SpecError([Problem(path, f"is {len(value)} characters long; FortiOS takes exactly {length}")])
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise SpecError(
            [Problem(path, "contains a newline or another control character, which a FortiOS CLI line cannot carry")]
        )
    if alphabet is not None and not re.fullmatch(f"[{alphabet}]+", value):
        raise SpecError([Problem(path, f"may hold only the characters {alphabet}")])


def check_api_key(path: str, value: str) -> None:
    """Refuse a REST API key that ``set api-key`` does not take (30 letters and digits)."""
    check_secret_value(path, value, length=API_KEY_LENGTH, alphabet=API_KEY_ALPHABET)


def check_license_token(path: str, value: str) -> None:
    """Refuse a FortiFlex token that cannot be the one line ``LICENSE-TOKEN:<token>``."""
    check_secret_value(path, value, alphabet=LICENSE_TOKEN_ALPHABET)


@dataclass(frozen=True)
class BootstrapSecrets:
    """Secret values inserted at render time only, never stored."""

    ha_password: str
    admin_password: str
    api_key: str | None = None

    def __post_init__(self) -> None:
        check_secret_value("secrets.ha_password", self.ha_password, HA_PASSWORD_MAX)
        check_secret_value("secrets.admin_password", self.admin_password)

    def __repr__(self) -> str:  # never show values in tracebacks or logs
        return "BootstrapSecrets(ha_password=<hidden>, admin_password=<hidden>, api_key=<hidden>)"


def env_name(ref: SecretRef) -> str:
    """The environment variable that holds a referenced secret."""
    return f"TF_VAR_{ref.variable}" if ref.variable else ref.name


def _resolve_one(path: str, ref: SecretRef, prompt: bool) -> str:
    name = env_name(ref)
    value = os.environ.get(name)
    if value is None and prompt and sys.stdin.isatty():
        value = getpass.getpass(f"{path} ({name}): ")
    if value is None:
        hint = " (or run on a terminal to be asked)" if prompt else ""
        raise SpecError([Problem(path, f"no value: set the environment variable {name}{hint}")])
    return value


def resolve_secrets(spec: ClusterSpec, *, prompt: bool) -> BootstrapSecrets:
    """Read the spec's secrets from the environment, or ask on a TTY when ``prompt``; every problem at once."""

    values: dict[str, str] = {}
    problems: list[Problem] = []
    for field in ("ha_password", "admin_password", "api_key"):
        ref = getattr(spec.secrets, field)
        if ref is None:
            continue
        try:
            values[field] = _resolve_one(f"secrets.{field}", ref, prompt)
            if field == "api_key":
                check_api_key(f"secrets.{field}", values[field])
        except SpecError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SpecError(problems)
    return BootstrapSecrets(**values)


def resolve_license_token(spec: ClusterSpec, unit: Unit, *, prompt: bool) -> str | None:
    """The unit's FortiFlex token from the environment (or a prompt), checked; None without ``license_token``."""
    if unit.license_token is None:
        return None
    path = f"units[{spec.units.index(unit)}].license_token"
    token = _resolve_one(path, unit.license_token, prompt)
    check_license_token(path, token)
    return token
