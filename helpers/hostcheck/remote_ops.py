"""The probe's host-side operation for the SSH transport: ``probe.host`` runs this host's part of ``fgtha host probe``."""

from __future__ import annotations

from typing import Any

from ..remote.server import Channel, operation
from .probe_host import probe_host


@operation("probe.host")
def probe(channel: Channel, args: dict[str, Any]) -> dict[str, Any]:
    """This host's part of the probe (:func:`~fgtha.hostcheck.probe_host.probe_host`), run on the host itself."""
    return probe_host(args)
