"""The bridge helper: desired host bridges -> read -> readable plan -> apply -> verify -> roll back on failure.

pyroute2 is imported only when a :class:`HostNetwork` first talks to the kernel,
so importing this package stays cheap (the Terraform provider starts often).
"""

from .changes import Change
from .config import BridgeConfig, BridgeError, BridgeProblem, BridgeState, bridges_for_host
from .host import HostNetwork
from .interrupt import Interrupted
from .netns import netns_exists
from .planner import Plan

__all__ = [
    "BridgeConfig",
    "BridgeError",
    "BridgeProblem",
    "BridgeState",
    "Change",
    "HostNetwork",
    "Interrupted",
    "Plan",
    "bridges_for_host",
    "netns_exists",
]
