"""The rule a secret value meets, and resolving the cluster's secret references to values at render time only.

A spec names where each secret lives (``{env: NAME}`` or ``{variable: NAME}``);
values are read from the environment (``TF_VAR_NAME`` for a Terraform variable,
Terraform's own convention) or asked for on a terminal, and never stored.

One rule per kind of secret for every path (:class:`SecretRule`): the CLI checks a value with
:meth:`SecretRule.problem`, and the synthesized Terraform variable checks it with the conditions
:meth:`SecretRule.terraform_conditions` builds from the same fields (the Terraform path quotes the
bootstrap before the value is known, so no path takes a double quote or a backslash).
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


#: Characters a secret value may not hold besides the ASCII control characters (RE2's ``[:cntrl:]``).
SECRET_FORBIDDEN = '"\\'
#: What every secret must be, in the words both paths print.
SECRET_RULE = "must be non-empty and contain no double quote, backslash, newline or other control character"


@dataclass(frozen=True)
class SecretRule:
    """What one kind of secret value must be: checked by the CLI (:meth:`problem`) and, from the same
    fields, by the synthesized Terraform variable (:meth:`terraform_conditions`).

    Every secret is quotable (:data:`SECRET_RULE`: the Terraform path quotes the bootstrap before the
    value is known); ``max_length``/``length`` bound its length, ``alphabet`` (an ASCII character
    class body such as ``A-Za-z0-9``, described by ``alphabet_words``) limits its characters.
    """

    what: str
    max_length: int | None = None
    length: int | None = None
    alphabet: str | None = None
    alphabet_words: str = ""

    def problem(self, value: str) -> str | None:
        """Why ``value`` cannot be this secret, or None."""
        if not value:
            return "is empty; FortiOS needs a value here"
        if self.max_length is not None and len(value) > self.max_length:
            return f"is {len(value)} characters long; FortiOS takes at most {self.max_length}"
        if self.length is not None and len(value) != self.length:
            return f"is {len(value)} characters long; FortiOS takes exactly {self.length}"
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            return "contains a newline or another control character, which a FortiOS CLI line cannot carry"
        if self.alphabet is not None and not re.fullmatch(f"[{self.alphabet}]+", value):
            return f"may hold only the characters {self.alphabet}"
        if any(c in SECRET_FORBIDDEN for c in value):
            return f"contains a double quote or a backslash; a secret {SECRET_RULE}"
        return None

    def terraform_conditions(self, variable: str) -> list[tuple[str, str]]:
        """``(condition, error_message)`` pairs that make Terraform check ``var.<variable>`` by this rule."""
        pattern = "[" + "".join("\\\\" if c == "\\" else c for c in SECRET_FORBIDDEN) + "[:cntrl:]]"  # RE2 class
        literal = pattern.replace("\\", "\\\\").replace('"', '\\"')  # as an HCL string
        var = f"var.{variable}"
        rules = [
            (f'${{length({var}) > 0 && length(regexall("{literal}", {var})) == 0}}', f"{SECRET_RULE.capitalize()}.")
        ]
        if self.max_length is not None:
            rules.append(
                (
                    f"${{length({var}) <= {self.max_length}}}",
                    f"FortiOS takes {self.what} of at most {self.max_length} characters.",
                )
            )
        if self.alphabet is not None and self.length is not None:
            rules.append(
                (
                    f'${{length(regexall("^[{self.alphabet}]{{{self.length}}}$", {var})) == 1}}',
                    f"FortiOS takes {self.what} of exactly {self.length} {self.alphabet_words}.",
                )
            )
        elif self.alphabet is not None:
            rules.append(
                (
                    f'${{length(regexall("^[{self.alphabet}]+$", {var})) == 1}}',
                    f"{self.what[0].upper()}{self.what[1:]} holds only {self.alphabet_words}.",
                )
            )
        return rules


HA_PASSWORD = SecretRule("an HA password", max_length=HA_PASSWORD_MAX)
ADMIN_PASSWORD = SecretRule("an admin password")
API_KEY = SecretRule(
    "a REST API key", length=API_KEY_LENGTH, alphabet=API_KEY_ALPHABET, alphabet_words="letters and digits"
)
LICENSE_TOKEN = SecretRule(
    "a FortiFlex licence token", alphabet=LICENSE_TOKEN_ALPHABET, alphabet_words="letters and digits"
)


def check_secret(path: str, value: str, rule: SecretRule) -> None:
    """Refuse a value that ``rule`` refuses; raise :class:`SpecError` naming ``path``."""
    problem = rule.problem(value)
    if problem:
        raise SpecError([Problem(path, problem)])


def check_api_key(path: str, value: str) -> None:
    """Refuse a REST API key that ``set api-key`` does not take (30 letters and digits)."""
    check_secret(path, value, API_KEY)


def check_license_token(path: str, value: str) -> None:
    """Refuse a FortiFlex token that cannot be the one line ``LICENSE-TOKEN:<token>``."""
    check_secret(path, value, LICENSE_TOKEN)


class PromptClosed(SpecError):
    """The terminal gave end of input (Ctrl-D) at a secret prompt: ask no further."""


@dataclass(frozen=True)
class BootstrapSecrets:
    """Secret values inserted at render time only, never stored."""

    ha_password: str
    admin_password: str
    api_key: str | None = None

    def __post_init__(self) -> None:
        check_secret("secrets.ha_password", self.ha_password, HA_PASSWORD)
        check_secret("secrets.admin_password", self.admin_password, ADMIN_PASSWORD)

    def __repr__(self) -> str:  # never show values in tracebacks or logs
        return "BootstrapSecrets(ha_password=<hidden>, admin_password=<hidden>, api_key=<hidden>)"


def env_name(ref: SecretRef) -> str:
    """The environment variable that holds a referenced secret."""
    return f"TF_VAR_{ref.variable}" if ref.variable else ref.name


def _resolve_one(path: str, ref: SecretRef, prompt: bool) -> str:
    name = env_name(ref)
    value = os.environ.get(name)
    if value is None and prompt and sys.stdin.isatty():
        try:
            value = getpass.getpass(f"{path} ({name}): ")
        except EOFError:
            raise PromptClosed(
                [Problem(path, f"no value: the prompt got end of input (Ctrl-D); set {name} or type it")]
            ) from None
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
        except PromptClosed as exc:
            problems.extend(exc.problems)
            prompt = False
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
