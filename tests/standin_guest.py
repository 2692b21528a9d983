"""A stand-in guest for the FortiGate-VM: Debian's kernel and a busybox initramfs built here with cpio.

Booted with a unit's own domain definition (only kernel, initrd and domain type swapped), its init
reports on the serial port what a FortiGate would see: the NICs in order with their MACs, the
CD-ROM's volume id and ``openstack/latest/user_data``, the data disks' sizes, and FGCP-like frames
(EtherType 0x8890, broadcast) sent and received on every NIC, from a spoofed virtual MAC
``00:09:0f:09:<group>:<x>`` and from the NIC's own MAC.
"""

from __future__ import annotations

import base64
import gzip
import os
import re
import select
import shutil
import subprocess
import termios
import time
import tty
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from conftest import REPO

GUEST = REPO / ".fgtha" / "guest"  # scripts/libvirt-tools unpacks Debian's kernel here
#: what the guest needs: virtio NICs and disks, the SATA CD-ROM and ISO 9660
MODULES = ("virtio_pci", "virtio_net", "virtio_blk", "ahci", "sr_mod", "isofs")
BUSYBOX = Path("/bin/busybox")
#: at most this long each guest sends and listens for FGCP-like frames (it stops 3 s after the peer is heard)
FRAME_SECONDS = 120

_SENDER = r"""
#include <arpa/inet.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
/* fgcp-frames MAX_SECONDS GROUP IF...: every 250 ms sends one 0x8890 broadcast frame from the spoofed
   FGCP source 00:09:0f:09:GROUP:x and one from the NIC's own MAC on each IF; counts what arrives.
   Stops 3 s after a frame from the peer's own MAC has arrived on every IF (the peer is up and sends),
   or after MAX_SECONDS. */
#define MAXIF 16
int main(int argc, char **argv) {
  int seconds = atoi(argv[1]), group = atoi(argv[2]), n = argc - 3, fd[MAXIF];
  unsigned char own[MAXIF][6];
  long spoofed[MAXIF] = {0}, mine[MAXIF] = {0};
  struct sockaddr_ll addr[MAXIF];
  for (int i = 0; i < n && i < MAXIF; i++) {
    struct ifreq req;
    fd[i] = socket(AF_PACKET, SOCK_RAW, htons(0x8890));
    memset(&req, 0, sizeof req);
    strncpy(req.ifr_name, argv[i + 3], IFNAMSIZ - 1);
    ioctl(fd[i], SIOCGIFHWADDR, &req);
    memcpy(own[i], req.ifr_hwaddr.sa_data, 6);
    memset(&addr[i], 0, sizeof addr[i]);
    addr[i].sll_family = AF_PACKET;
    addr[i].sll_protocol = htons(0x8890);
    addr[i].sll_ifindex = if_nametoindex(argv[i + 3]);
    bind(fd[i], (struct sockaddr *)&addr[i], sizeof addr[i]);
  }
  time_t end = time(NULL) + seconds;
  int tail = -1;
  while (time(NULL) < end && tail != 0) {
    for (int i = 0; i < n; i++) {
      unsigned char frame[64] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x09, 0x0f, 0x09, 0, 0, 0x88, 0x90};
      frame[10] = (unsigned char)group;
      frame[11] = own[i][5];
      sendto(fd[i], frame, sizeof frame, 0, (struct sockaddr *)&addr[i], sizeof addr[i]);
      memcpy(frame + 6, own[i], 6);
      sendto(fd[i], frame, sizeof frame, 0, (struct sockaddr *)&addr[i], sizeof addr[i]);
    }
    struct timespec pause = {0, 250000000};
    nanosleep(&pause, NULL);
    for (int i = 0; i < n; i++) {
      unsigned char buf[2048];
      ssize_t got;
      struct sockaddr_ll from;
      socklen_t len = sizeof from;
      while ((got = recvfrom(fd[i], buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &len)) >= 14) {
        len = sizeof from;
        if (from.sll_pkttype == PACKET_OUTGOING) continue; /* our own frames, seen on the way out */
        if (buf[6] == 0x00 && buf[7] == 0x09 && buf[8] == 0x0f && buf[9] == 0x09) spoofed[i]++;
        else mine[i]++;
      }
    }
    int all = 1;
    for (int i = 0; i < n; i++) all = all && mine[i] > 0;
    if (tail < 0 && all) tail = 12;
    else if (tail > 0) tail--;
  }
  for (int i = 0; i < n; i++) printf("FGTHA RX %s spoofed=%ld own=%ld\n", argv[i + 3], spoofed[i], mine[i]);
  return 0;
}
"""

_INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do insmod "/modules/$m"; done
exec >/dev/ttyS0 2>&1
echo "FGTHA BOOTED"
ifs=""
for n in $(ls /sys/class/net | grep '^eth' | sort -t h -k 2 -n); do
  echo "FGTHA NIC $n $(cat /sys/class/net/$n/address)"
  ip link set "$n" up
  ifs="$ifs $n"
done
for i in $(seq 1 40); do [ -b /dev/sr0 ] && break; sleep 0.5; done
echo "FGTHA LABEL $(dd if=/dev/sr0 bs=1 skip=32808 count=32 2>/dev/null)"
mkdir -p /mnt && mount -t iso9660 -o ro /dev/sr0 /mnt
echo "FGTHA USERDATA $(base64 /mnt/openstack/latest/user_data | tr -d '\\n')"
for b in $(ls /sys/block | grep '^vd'); do echo "FGTHA DISK $b $(cat /sys/block/$b/size)"; done
/bin/fgcp-frames {seconds} {group} $ifs
echo "FGTHA DONE"
poweroff -f
"""


def kernel() -> Path | None:
    """Debian's kernel unpacked by scripts/libvirt-tools, if it is there."""
    found = sorted((GUEST / "boot").glob("vmlinuz-*"))
    return found[-1] if found else None


def _module_files(release_dir: Path) -> dict[str, Path]:
    return {p.name.removesuffix(".ko").replace("-", "_"): p for p in release_dir.rglob("*.ko")}


def _depends(module: Path) -> list[str]:
    m = re.search(rb"\0depends=([^\0]*)\0", module.read_bytes())
    return [d.replace("-", "_") for d in m.group(1).decode().split(",") if d] if m else []


def load_order(wanted: Iterable[str], files: dict[str, Path]) -> list[str]:
    """The modules to insmod, dependencies first (read from each module's own ``depends=``)."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for dep in _depends(files[name]):
            visit(dep)
        order.append(name)

    for name in wanted:
        visit(name)
    return order


def build_initramfs(out: Path, group_id: int) -> Path:
    """A gzip'd newc cpio: static busybox, the frame sender, the modules and the reporting init."""
    vmlinuz = kernel()
    assert vmlinuz is not None
    release = vmlinuz.name.removeprefix("vmlinuz-")
    files = _module_files(GUEST / "lib" / "modules" / release)
    root = out / "initramfs"
    for sub in ("bin", "dev", "proc", "sys", "modules"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    shutil.copy2(BUSYBOX, root / "bin" / "busybox")
    source = out / "fgcp-frames.c"
    source.write_text(_SENDER)
    subprocess.run(["gcc", "-static", "-Os", "-o", str(root / "bin" / "fgcp-frames"), str(source)], check=True)
    order = load_order(MODULES, files)
    for name in order:
        shutil.copy2(files[name], root / "modules" / f"{name}.ko")
    (root / "modules.order").write_text("".join(f"{name}.ko\n" for name in order))
    init = root / "init"
    init.write_text(_INIT.replace("{seconds}", str(FRAME_SECONDS)).replace("{group}", str(group_id)))
    init.chmod(0o755)
    listing = subprocess.run(["find", "."], cwd=root, check=True, capture_output=True).stdout
    archive = subprocess.run(
        ["cpio", "-o", "-H", "newc", "--quiet"], cwd=root, input=listing, check=True, capture_output=True
    )
    path = out / f"initrd-{group_id}.gz"
    path.write_bytes(gzip.compress(archive.stdout, compresslevel=1))
    path.chmod(0o644)
    return path


@dataclass
class Report:
    """What one guest printed on its serial port."""

    lines: list[str] = field(default_factory=list)

    def values(self, key: str) -> list[list[str]]:
        """The words after ``FGTHA <key>`` on each such line."""
        return [line.split()[2:] for line in self.lines if line.startswith(f"FGTHA {key} ") or line == f"FGTHA {key}"]

    @property
    def done(self) -> bool:
        """Whether the guest finished its report."""
        return "FGTHA DONE" in self.lines

    @property
    def nics(self) -> list[tuple[str, str]]:
        """``(name, mac)`` in the guest's order."""
        return [(v[0], v[1]) for v in self.values("NIC")]

    @property
    def label(self) -> str:
        """The CD-ROM's ISO 9660 volume id."""
        found = self.values("LABEL")
        return " ".join(found[0]) if found else ""

    @property
    def user_data(self) -> str | None:
        """``openstack/latest/user_data`` as the guest read it from the CD-ROM."""
        found = self.values("USERDATA")
        return base64.b64decode(found[0][0]).decode() if found and found[0] else None

    @property
    def disks(self) -> dict[str, int]:
        """Disk name -> size in bytes."""
        return {v[0]: int(v[1]) * 512 for v in self.values("DISK")}

    @property
    def frames(self) -> dict[str, tuple[int, int]]:
        """NIC -> (frames received from a spoofed FGCP source, frames from the peer's own MAC)."""
        return {v[0]: (int(v[1].split("=")[1]), int(v[2].split("=")[1])) for v in self.values("RX")}


def read_consoles(ptys: dict[str, str], wait_s: float, running: Callable[[str], bool]) -> dict[str, Report]:
    """Read each guest's serial pty (name -> /dev/pts/N) until every report is done, or ``wait_s`` passes.

    A pty that reads as closed while ``running(name)`` still says the guest runs is opened again: only a guest
    that powered off ends its reading before its report is done.
    """
    fds: dict[int, str] = {}
    buffers: dict[str, bytes] = {name: b"" for name in ptys}
    reports = {name: Report() for name in ptys}

    def open_pty(name: str) -> None:
        fd = os.open(ptys[name], os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(fd, termios.TCSANOW)
        fds[fd] = name

    try:
        for name in ptys:
            open_pty(name)
        deadline = time.monotonic() + wait_s
        while fds and time.monotonic() < deadline:
            ready, _, _ = select.select(list(fds), [], [], 1.0)
            for fd in ready:
                name = fds[fd]
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:  # readable a moment ago, nothing now: read again on the next wake-up
                    continue
                except OSError:  # EIO: QEMU closed the pty (the guest powered off) or hung the line up
                    chunk = b""
                if not chunk:
                    del fds[fd]
                    os.close(fd)
                    if running(name):
                        time.sleep(0.2)
                        open_pty(name)
                    continue
                buffers[name] += chunk
                *complete, buffers[name] = buffers[name].split(b"\n")
                reports[name].lines += [c.decode(errors="replace").strip() for c in complete]
                if reports[name].done:
                    del fds[fd]
                    os.close(fd)
    finally:
        for fd in fds:
            os.close(fd)
    return reports
