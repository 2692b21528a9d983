"""Named network namespaces (``ip netns``): where they live and whether one exists (no pyroute2 import)."""

from __future__ import annotations

import os

#: Where ``ip netns add`` mounts each named namespace.
NETNS_DIR = "/var/run/netns"


def netns_exists(name: str) -> bool:
    """True when the named network namespace ``name`` exists."""
    return os.path.exists(os.path.join(NETNS_DIR, name))
