"""A real libvirt 9 for the tests: virtlogd and libvirtd started by hand inside a test network namespace.

Everything a guest is wired to (taps, bridges, nwfilter rules) lives in that namespace and goes with it;
libvirt's NAT network ``default`` is never started. A transient directory pool ``default`` in a temporary
folder holds the volumes. Stopped at the end of the session, on failure too. Where libvirtd cannot run,
the tests skip with the reason, unless ``FGTHA_REQUIRE_LIBVIRT=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import grp
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from netns import ip, temporary_netns

URI = "qemu:///system"
POOL = "default"
KVM = Path("/dev/kvm")
DAEMONS = ("virtlogd", "libvirtd")
#: libvirtd is ready in 7-14 s cold on these machines; a broken install never is.
READY_WAIT_S = 120.0


def virsh(*args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``virsh -c qemu:///system ARGS``; a failure raises with virsh's own message."""
    done = subprocess.run(["virsh", "-q", "-c", URI, *args], capture_output=True, text=True, input=stdin)
    if check and done.returncode != 0:
        raise AssertionError(f"virsh {' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}")
    return done


@dataclass
class LibvirtHost:
    """The running libvirtd: its namespace (bridges go there), its pool folder, what the tests defined."""

    netns: str
    pool_dir: Path
    work: Path
    domains: set[str] = field(default_factory=set)

    def bridge(self, name: str) -> None:
        """A Linux bridge (STP off, up) in the namespace, where libvirt attaches the guests' taps."""
        if ip("link", "show", name, netns=self.netns, check=False).returncode != 0:
            ip("link", "add", name, "type", "bridge", "stp_state", "0", netns=self.netns)
            ip("link", "set", name, "up", netns=self.netns)

    def define(self, xml_path: Path, name: str, validate: bool = True) -> subprocess.CompletedProcess[str]:
        """``virsh define [--validate]``; the domain is removed at the end of the session at the latest."""
        done = virsh("define", *(["--validate"] if validate else []), str(xml_path), check=False)
        if done.returncode == 0:
            self.domains.add(name)
        return done

    def remove_domain(self, name: str) -> None:
        """Stop and undefine a domain the tests defined."""
        virsh("destroy", name, check=False)
        virsh("undefine", name, "--nvram", check=False)
        self.domains.discard(name)


def _require(reason: str) -> None:
    if os.environ.get("FGTHA_REQUIRE_LIBVIRT") == "1":
        pytest.fail(f"libvirt tests required (FGTHA_REQUIRE_LIBVIRT=1) but cannot run: {reason}")
    pytest.skip(f"real libvirt unavailable: {reason}")


def _kvm_mode() -> tuple[int, int, int] | None:
    """Make /dev/kvm 0660 group kvm (what udev does): with 0600 libvirt re-probes QEMU on every call."""
    if not KVM.exists():
        return None
    st = KVM.stat()
    try:
        os.chown(KVM, -1, grp.getgrnam("kvm").gr_gid)
        os.chmod(KVM, 0o660)
    except (OSError, KeyError):
        return None
    return st.st_mode & 0o7777, st.st_uid, st.st_gid


def _wait_ready(pidfile: Path) -> str | None:
    deadline = time.monotonic() + READY_WAIT_S
    while time.monotonic() < deadline:
        if virsh("version", check=False).returncode == 0:
            return None
        if not pidfile.exists() and time.monotonic() > deadline - READY_WAIT_S + 5:
            return "libvirtd exited during start-up"
        time.sleep(0.2)
    return f"libvirtd did not answer within {READY_WAIT_S:.0f} s"


def _stop(pidfile: Path) -> None:
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def libvirt_host() -> Iterator[LibvirtHost]:
    """A running libvirtd of this test session (skips, or fails under FGTHA_REQUIRE_LIBVIRT=1, when it cannot run)."""
    missing = [d for d in (*DAEMONS, "virsh", "qemu-system-x86_64", "qemu-img") if shutil.which(d) is None]
    if missing:
        _require(f"not installed: {', '.join(missing)} (make setup runs scripts/libvirt-tools)")
    if os.geteuid() != 0:
        _require("needs root (qemu:///system)")
    if virsh("version", check=False).returncode == 0:
        _require("a libvirtd not started by the tests already runs here; the tests will not share it")
    run = Path("/run/libvirt")
    run.mkdir(parents=True, exist_ok=True)
    autostart = Path("/etc/libvirt/qemu/networks/autostart/default.xml")
    autostart.unlink(missing_ok=True)  # the NAT network `default` must never start
    kvm = _kvm_mode()
    work = Path(tempfile.mkdtemp(prefix="fgtha-libvirt-"))
    work.chmod(0o755)  # QEMU runs as libvirt-qemu: it must reach the pool, the image and the guest kernel
    pidfiles = {d: work / f"{d}.pid" for d in DAEMONS}
    try:
        with temporary_netns("fgtha-lv") as netns:
            try:
                for daemon in DAEMONS:
                    subprocess.run(
                        ["ip", "netns", "exec", netns, daemon, "-d", "-p", str(pidfiles[daemon])], check=True
                    )
                problem = _wait_ready(pidfiles["libvirtd"])
                if problem:
                    _require(problem)
                nets = virsh("net-list", "--all", "--name").stdout.split()
                if "default" in nets:
                    virsh("net-autostart", "--disable", "default", check=False)
                    active = virsh("net-list", "--name").stdout.split()
                    assert "default" not in active, "libvirt's NAT network `default` is active: the tests stop here"
                pool_dir = work / "pool"
                pool_dir.mkdir()
                if POOL in virsh("pool-list", "--all", "--name").stdout.split():
                    _require(f"a storage pool {POOL!r} is already defined here")
                virsh("pool-create-as", POOL, "dir", "--target", str(pool_dir))
                host = LibvirtHost(netns=netns, pool_dir=pool_dir, work=work)
                try:
                    yield host
                finally:
                    for name in sorted(host.domains):
                        host.remove_domain(name)
                    virsh("pool-destroy", POOL, check=False)
            finally:
                for daemon in reversed(DAEMONS):
                    _stop(pidfiles[daemon])
    finally:
        if kvm is not None:
            mode, uid, gid = kvm
            os.chown(KVM, uid, gid)
            os.chmod(KVM, mode)
        shutil.rmtree(work, ignore_errors=True)
