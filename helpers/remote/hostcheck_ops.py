"""Host checks on the host side of a session (shipped to the host): what ``fgtha host check`` reads there."""

from __future__ import annotations

from dataclasses import asdict

from ..bridge.journal import encode_snapshot
from ..hostcheck.check import host_readings
from .server import Channel, operation


@operation("hostcheck.readings")
def readings(channel: Channel, args: dict) -> dict:
    """This host's snapshot and the findings of its journal, packet filters and libvirt nwfilters."""
    snapshot, findings = host_readings()
    return {"snapshot": encode_snapshot(snapshot), "findings": [asdict(f) for f in findings]}
