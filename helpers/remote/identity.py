"""Which machine this is: ``/etc/machine-id`` and the hostname (shipped to the host; standard library only)."""

from __future__ import annotations

import socket

MACHINE_ID = "/etc/machine-id"


def machine_identity(netns: str | None = None) -> dict[str, str]:
    """``{"machine_id", "hostname"}`` of this machine, plus ``netns`` when acting inside a named namespace."""
    try:
        with open(MACHINE_ID) as f:
            machine_id = f.read().strip()
    except OSError:
        machine_id = ""
    found = {"machine_id": machine_id or "unknown", "hostname": socket.gethostname()}
    if netns:
        found["netns"] = netns
    return found


def describe(identity: dict[str, str]) -> str:
    """One line naming a machine: ``kvm1 (machine-id 3d12...)``, with its namespace when there is one."""
    netns = f", netns {identity['netns']}" if identity.get("netns") else ""
    return f"{identity.get('hostname', '?')} (machine-id {identity.get('machine_id', '?')}{netns})"
