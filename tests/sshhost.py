"""A "KVM host" for transport tests: a network namespace running a real OpenSSH server, reached from here by veth.

Everything is made per host and always removed: the namespace, its sshd (and any
process left in the namespace, such as a change waiting for its confirmation),
the host key, the client key and the known_hosts file. The host has its own
hostname (a UTS namespace), machine-id and root account (``/etc/netns/NS/machine-id``
and ``passwd``, which ``ip netns exec`` mounts over ``/etc``: root's home is the
host's key folder, its shell /bin/sh, so no profile of this machine runs), and
only Debian's ``/usr/bin/python3``: no project code is installed for it.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from netns import ip, temporary_netns

from fgtha.spec.reach import SshReach

SSHD = "/usr/sbin/sshd"
_subnets = itertools.count(os.getpid() % 200)


@dataclass
class SshHost:
    """One host: its namespace, address, keys and identity."""

    name: str
    netns: str
    address: str  # the host's address (on ``mgmt0`` inside the namespace)
    peer: str  # the root namespace's end of the veth (``address``'s neighbour)
    keyfile: Path
    known_hosts: Path
    machine_id: str
    sshd: subprocess.Popen[bytes]

    @property
    def reach(self) -> SshReach:
        return SshReach(self.address, user="root", keyfile=str(self.keyfile), known_hosts=str(self.known_hosts))

    @property
    def uri(self) -> str:
        return f"qemu+ssh://root@{self.address}/system?keyfile={self.keyfile}&known_hosts={self.known_hosts}"

    def provider_ssh(self) -> dict[str, object]:
        """The kvmhost provider's ``ssh`` block for this host."""
        return self.reach.provider_block()

    def cut_connections(self) -> None:
        """Kill the sshd of every open connection, as a dropped network would; what the sessions started lives on."""
        for pid in _pids(self.netns):
            if pid != self.sshd.pid and _comm(pid) == "sshd":
                _kill(pid)


def _pids(netns: str) -> list[int]:
    out = subprocess.run(["ip", "netns", "pids", netns], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@contextmanager
def ssh_host(name: str = "kvm1", *, path: str = "/usr/sbin:/usr/bin:/sbin:/bin") -> Iterator[SshHost]:
    """A running host called ``name``; its sessions get ``path`` as PATH (Debian's python3; another one to test it)."""
    subnet = next(_subnets) % 250
    address, peer = f"172.31.{subnet}.2", f"172.31.{subnet}.1"
    with temporary_netns("fgtha-ssh") as netns, tempfile.TemporaryDirectory(prefix="fgtha-ssh-") as tmp:
        keys = Path(tmp)
        etc = Path("/etc/netns") / netns
        sshd = None
        try:
            outside = f"s{secrets.token_hex(3)}"
            ip("link", "add", outside, "type", "veth", "peer", "name", "mgmt0", "netns", netns)
            ip("addr", "add", f"{peer}/30", "dev", outside)
            ip("link", "set", outside, "up")
            ip("addr", "add", f"{address}/30", "dev", "mgmt0", netns=netns)
            ip("link", "set", "mgmt0", "up", netns=netns)
            for key in ("host_key", "client_key"):
                subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / key)], check=True)
            (keys / "authorized_keys").write_text((keys / "client_key.pub").read_text())
            host_pub = " ".join((keys / "host_key.pub").read_text().split()[:2])
            (keys / "known_hosts").write_text(f"{address} {host_pub}\n")
            config = [
                f"ListenAddress {address}",
                f"HostKey {keys / 'host_key'}",
                f"AuthorizedKeysFile {keys / 'authorized_keys'}",
                "PermitRootLogin prohibit-password",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PidFile none",
                "LogLevel ERROR",
                f"SetEnv PATH={path}",
            ]
            (keys / "sshd_config").write_text("\n".join(config) + "\n")
            etc.mkdir(parents=True)
            machine_id = secrets.token_hex(16)
            (etc / "machine-id").write_text(machine_id + "\n")
            # root logs in to a home and shell of this host's own: no ~/.bashrc of this machine's root runs
            (etc / "passwd").write_text(_passwd(keys))
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation folder
            start = f"hostname {name} && exec {SSHD} -D -e -f {keys / 'sshd_config'}"
            sshd = subprocess.Popen(
                ["ip", "netns", "exec", netns, "unshare", "--uts", "sh", "-c", start], stderr=subprocess.PIPE
            )
            _wait_listening(address, sshd)
            yield SshHost(name, netns, address, peer, keys / "client_key", keys / "known_hosts", machine_id, sshd)
        finally:
            if sshd is not None:
                sshd.kill()
                sshd.wait()
            for pid in _pids(netns):
                _kill(pid)
            shutil.rmtree(etc, ignore_errors=True)


def _passwd(home: Path) -> str:
    """This machine's /etc/passwd with root's home set to ``home`` and its shell to /bin/sh."""
    lines = Path("/etc/passwd").read_text().splitlines()
    root = f"root:x:0:0:root:{home}:/bin/sh"
    return "\n".join(root if line.startswith("root:") else line for line in lines) + "\n"


def _wait_listening(address: str, sshd: subprocess.Popen[bytes]) -> None:
    """Return once sshd accepts connections on ``address``; fail with its own words if it exits instead."""
    for _ in range(200):
        if sshd.poll() is not None:
            raise RuntimeError(
                f"sshd exited with {sshd.returncode}: {sshd.stderr.read().decode() if sshd.stderr else ''}"
            )
        try:
            with socket.create_connection((address, 22), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sshd did not listen on {address}:22")
