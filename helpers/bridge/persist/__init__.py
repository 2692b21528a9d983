"""Make bridges survive a reboot: configuration files for netplan, NetworkManager, ifupdown or systemd-networkd.

:func:`render` is a pure function of the desired bridges and the host's addressing
(:func:`observed_addressing`, read from a :class:`~.snapshot.Snapshot`); it returns
``{path relative to the root: (text, mode)}`` and :func:`write_files` writes them
atomically under a root folder. A bridge with ``migrate_addresses`` carries the
addresses, routes and MAC address that the migration gives it; its uplink carries
none. Promiscuous mode: networkd ``[Link] Promiscuous=yes``; NetworkManager
``ethernet.accept-all-mac-addresses=1``; ifupdown an ``up ip link set dev X promisc on``
line; netplan has no key for it, so a drop-in for the ``.network`` file that netplan
generates for the uplink (``10-netplan-<uplink>.network.d``) carries it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ...atomicfile import atomic_write
from ..config import BridgeConfig
from .base import Addressing, Files, observed_addressing
from .ifupdown import ifupdown
from .netplan import netplan
from .networkd import networkd
from .networkmanager import networkmanager

__all__ = ["FORMATS", "Addressing", "Files", "detect_format", "observed_addressing", "render", "write_files"]

FORMATS = ("netplan", "networkmanager", "ifupdown", "networkd")


def detect_format(root: Path) -> str:
    """The network configuration system of the host under ``root``; ValueError when none is recognised."""
    if any((root / "etc/netplan").glob("*.yaml")):  # the folder alone only says the package is installed
        return "netplan"
    if (root / "run/NetworkManager").is_dir() or (root / "etc/NetworkManager/system-connections").is_dir():
        return "networkmanager"
    if (root / "run/systemd/netif").is_dir():
        return "networkd"
    if (root / "etc/network/interfaces").is_file():
        return "ifupdown"
    raise ValueError(f"cannot tell how {root} configures its network; pass --format ({', '.join(FORMATS)})")


Renderer = Callable[[Sequence[BridgeConfig], Mapping[str, Addressing]], Files]


def render(fmt: str, bridges: Sequence[BridgeConfig], addressing: Mapping[str, Addressing] | None = None) -> Files:
    """The files that configure ``bridges`` (with the ``addressing`` of migrating ones, by bridge name) in ``fmt``."""
    renderers: dict[str, Renderer] = {
        "netplan": netplan,
        "networkmanager": networkmanager,
        "ifupdown": ifupdown,
        "networkd": networkd,
    }
    if fmt not in renderers:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    return renderers[fmt](bridges, addressing or {})


def write_files(root: Path, files: Files) -> list[Path]:
    """Write every file under ``root`` atomically with its mode; return the paths written."""
    written = []
    for rel, (text, mode) in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text.encode(), mode)
        written.append(path)
    return written
