"""The note the helper keeps in a managed bridge's alias: its uplink and that uplink's state before it was enslaved.

It lives with the bridge (no state file to lose), so removing the bridge can
hand the uplink back exactly as it was, and ``read`` knows which port is the uplink.
"""

from __future__ import annotations

from dataclasses import dataclass

from .snapshot import ALIAS_PREFIX, Link, Snapshot


@dataclass(frozen=True)
class UplinkRecord:
    """An uplink's name and the properties it had before the helper enslaved it."""

    uplink: str
    mtu: int
    promiscuous: bool
    up: bool

    def alias(self) -> str:
        """The alias text of the bridge that carries this record."""
        return f"{ALIAS_PREFIX}uplink={self.uplink},mtu={self.mtu},promisc={int(self.promiscuous)},up={int(self.up)}"

    @classmethod
    def of(cls, link: Link) -> UplinkRecord:
        """The record of an uplink as it is now."""
        return cls(link.name, link.mtu, link.promiscuous, link.up)

    @classmethod
    def parse(cls, alias: str) -> UplinkRecord | None:
        """The record in a bridge alias, or None when the alias is not ours."""
        if not alias.startswith(ALIAS_PREFIX):
            return None
        try:
            fields = dict(item.split("=", 1) for item in alias[len(ALIAS_PREFIX) :].split(","))
            return cls(fields["uplink"], int(fields["mtu"]), fields["promisc"] == "1", fields["up"] == "1")
        except (KeyError, ValueError):
            return None


def uplink_of(snapshot: Snapshot, bridge: str) -> tuple[str | None, UplinkRecord | None]:
    """The bridge's enslaved uplink (recorded, else its only non-tap port) and the record, if any."""
    record = UplinkRecord.parse(snapshot.links[bridge].alias)
    ports = snapshot.ports_of(bridge)
    if record is not None:
        return (record.uplink if record.uplink in ports else None), record
    wired = [p for p in ports if snapshot.links[p].kind != "tun"]
    return (wired[0] if len(wired) == 1 else None), None
