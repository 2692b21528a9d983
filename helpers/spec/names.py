"""Linux interface names: the one check that the model, the bridge helper and the provider share (no heavy imports)."""

from __future__ import annotations

import re

from .facts import IFNAME_MAX

# The kernel refuses '/', ':' and white space (dev_valid_name); we also keep to a portable set.
_IFNAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def ifname_problem(value: str) -> str | None:
    """Why ``value`` cannot be a Linux interface name, or None when it can."""
    if not value:
        return "must not be empty"
    if len(value) > IFNAME_MAX:
        return f"{value!r} is longer than {IFNAME_MAX} characters (Linux interface name limit)"
    if value in (".", "..") or not _IFNAME.match(value):
        return f"{value!r} is not a valid interface name (letters, digits, '_', '.', '-')"
    return None
