"""The bridge helper: desired host bridges -> read -> readable plan -> apply -> verify -> roll back on failure.

The names below are loaded on first use (PEP 562), so importing one part (the
provider's ``fgtha.bridge.config`` at validate time, ``netns_exists``) does not
load the planner, the journal and the netlink socket with it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers: the same names, re-exported
    from .changes import Change as Change
    from .config import BridgeConfig as BridgeConfig
    from .config import BridgeError as BridgeError
    from .config import BridgeProblem as BridgeProblem
    from .config import BridgeState as BridgeState
    from .config import bridges_for_host as bridges_for_host
    from .host import HostNetwork as HostNetwork
    from .interrupt import Interrupted as Interrupted
    from .netns import netns_exists as netns_exists
    from .planner import Plan as Plan

#: Each public name and the module that defines it.
_HOME = {
    "BridgeConfig": "config",
    "BridgeError": "config",
    "BridgeProblem": "config",
    "BridgeState": "config",
    "bridges_for_host": "config",
    "Change": "changes",
    "HostNetwork": "host",
    "Interrupted": "interrupt",
    "Plan": "planner",
    "netns_exists": "netns",
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value
