"""How to reach a KVM host's shell: this machine, or SSH, derived once from the host's libvirt ``uri``.

``qemu:///system`` (also ``qemu+unix:///system``) is the machine that runs the
command. ``qemu+ssh://[user@]host[:port]/system`` is reached over SSH with
libvirt's URI parameters ``keyfile=``, ``known_hosts=`` and ``no_verify=``
(libvirt's meaning: the private key, the known-hosts file, and ``1`` to skip
the host key check). Hosts whose libvirt is reached otherwise (``qemu+tls``)
give an explicit ``ssh`` block. Plain dataclasses, no pydantic: the provider
and the transport import this module too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from .problems import Problem

if TYPE_CHECKING:
    from .model import Host

#: URI schemes whose empty-host form is the machine that runs the command.
LOCAL_SCHEMES = frozenset({"qemu", "qemu+unix"})
#: URI schemes that reach the host over SSH (libvirt's ssh, libssh and libssh2 transports share the parameters).
SSH_SCHEMES = frozenset({"qemu+ssh", "qemu+libssh", "qemu+libssh2"})
DEFAULT_PORT = 22


@dataclass(frozen=True)
class SshReach:
    """A host reached over SSH: where, as whom, and how its key is checked."""

    host: str
    user: str | None = None
    port: int | None = None
    keyfile: str | None = None
    known_hosts: str | None = None
    no_verify: bool = False

    @property
    def target(self) -> str:
        """``user@host:port`` (defaults filled in as ssh would), to tell two hosts apart."""
        return f"{self.user or 'root'}@{self.host.lower()}:{self.port or DEFAULT_PORT}"

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return f"ssh {user}{self.host}{port}"

    def provider_block(self) -> dict[str, Any]:
        """The ``kvmhost`` provider's ``ssh`` block (unset fields left out)."""
        values = {
            "host": self.host,
            "user": self.user,
            "port": self.port,
            "keyfile": self.keyfile,
            "known_hosts": self.known_hosts,
            "no_verify": self.no_verify or None,
        }
        return {k: v for k, v in values.items() if v is not None}

    @classmethod
    def from_block(cls, block: dict[str, Any]) -> SshReach:
        """The reach a provider ``ssh`` block (or a spec ``ssh`` mapping) describes."""
        port = block.get("port")
        return cls(
            host=str(block["host"]),
            user=block.get("user") or None,
            port=int(port) if port is not None else None,
            keyfile=block.get("keyfile") or None,
            known_hosts=block.get("known_hosts") or None,
            no_verify=bool(block.get("no_verify")),
        )


#: How to reach a host: None is this machine.
Reach = SshReach | None


def parse_uri(uri: str) -> Reach:
    """The reach a libvirt URI says; ``ValueError`` with a readable reason when it says none we can use."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if not scheme.startswith("qemu"):
        raise ValueError(f"{uri!r} is not a QEMU/KVM libvirt URI (qemu:///system or qemu+ssh://host/system)")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ValueError(f"{uri!r}: the port is not a number from 1 to 65535")
    if scheme in LOCAL_SCHEMES and not parts.hostname:
        return None
    if scheme not in SSH_SCHEMES:
        raise ValueError(
            f"{uri!r} does not say how to reach the host's shell: use qemu+ssh://, or give the host an 'ssh' block"
        )
    if not parts.hostname:
        raise ValueError(f"{uri!r} names no host (qemu+ssh://[user@]host[:port]/system)")
    query = parse_qs(parts.query, keep_blank_values=True)
    no_verify = query.get("no_verify", ["0"])[-1]
    if no_verify not in ("0", "1"):
        raise ValueError(f"{uri!r}: no_verify must be 0 or 1")
    return SshReach(
        host=parts.hostname,
        user=unquote(parts.username) if parts.username else None,
        port=port,
        keyfile=query.get("keyfile", [None])[-1] or None,
        known_hosts=query.get("known_hosts", [None])[-1] or None,
        no_verify=no_verify == "1",
    )


def reach_problems(hosts: Sequence[Host]) -> Iterator[Problem]:
    """At most one host is the machine that runs the command, and no two hosts reach the same target."""
    local: int | None = None
    targets: dict[str, int] = {}
    for i, host in enumerate(hosts):
        where = f"hosts[{i}].ssh" if host.ssh is not None else f"hosts[{i}].uri"
        try:
            reach = host.reach
        except ValueError as exc:
            yield Problem(where, str(exc))
            continue
        if reach is None:
            if local is not None:
                yield Problem(
                    where,
                    f"{host.uri!r} is the machine that runs the command, and so is hosts[{local}]; "
                    "at most one host can be local (reach the others with qemu+ssh://)",
                )
            else:
                local = i
        elif reach.target in targets:
            yield Problem(where, f"{reach.target} is already how hosts[{targets[reach.target]}] is reached")
        else:
            targets[reach.target] = i
