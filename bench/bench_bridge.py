"""Bridge helper speed: apply vs an `ip` command loop for 1/10/100 promiscuous bridges; no-change re-apply of 10.

Run: .venv/bin/python bench/bench_bridge.py   (root; uses throwaway network namespaces)
Targets: apply <= 0.5x the ip loop; no-change re-apply of 10 bridges < 50 ms.
Both sides make the same changes (create, promiscuous, uplink up, bridge up, enslave) in a fresh namespace;
each figure is the median of several runs, library and ip loop measured alternately in one process.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from netns import temporary_netns  # noqa: E402

from fgtha.bridge import BridgeConfig, HostNetwork  # noqa: E402


def _uplinks(ns: str, n: int) -> None:
    batch = "".join(f"link add up{i} type veth peer name pe{i}\n" for i in range(n))
    subprocess.run(["ip", "-n", ns, "-batch", "-"], input=batch, text=True, check=True)


def _library(n: int) -> float:
    with temporary_netns("fgtha-bench") as ns:
        _uplinks(ns, n)
        configs = [BridgeConfig(f"br{i}", uplink=f"up{i}", promiscuous=True) for i in range(n)]
        start = time.perf_counter()
        with HostNetwork(ns) as host:
            host.apply(configs)
        return time.perf_counter() - start


def _ip_loop(n: int) -> float:
    with temporary_netns("fgtha-bench") as ns:
        _uplinks(ns, n)
        start = time.perf_counter()
        for i in range(n):
            for args in (
                ["link", "add", f"br{i}", "type", "bridge", "stp_state", "0"],
                ["link", "set", f"up{i}", "promisc", "on"],
                ["link", "set", f"up{i}", "up"],
                ["link", "set", f"br{i}", "up"],
                ["link", "set", f"up{i}", "master", f"br{i}"],
            ):
                subprocess.run(["ip", "-n", ns, *args], check=True)
        return time.perf_counter() - start


def _median(measure: object, n: int, runs: int) -> float:
    return statistics.median(measure(n) for _ in range(runs))  # type: ignore[operator]


def _noop_reapply(n: int, rounds: int = 7) -> float:
    with temporary_netns("fgtha-bench") as ns:
        _uplinks(ns, n)
        configs = [BridgeConfig(f"br{i}", uplink=f"up{i}", promiscuous=True) for i in range(n)]
        with HostNetwork(ns) as host:
            host.apply(configs)
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            with HostNetwork(ns) as host:
                assert host.apply(configs).empty
            times.append(time.perf_counter() - start)
        return statistics.median(times)


def main() -> int:
    # pyroute2 is imported on first use: warm it so the first row does not pay the import
    with temporary_netns("fgtha-bench") as ns, HostNetwork(ns) as warm:
        warm.read("br0")
    table = Table(title="bridge helper apply vs ip loop (promiscuous veth uplinks)")
    for col in ("bridges", "library apply (median)", "ip loop (median)", "ratio (target <= 0.5)"):
        table.add_column(col, justify="right")
    ok = True
    for n, runs in ((1, 9), (10, 5), (100, 3)):
        lib, loop = _median(_library, n, runs), _median(_ip_loop, n, runs)
        ok &= lib / loop <= 0.5
        table.add_row(str(n), f"{lib * 1000:.1f} ms", f"{loop * 1000:.1f} ms", f"{lib / loop:.2f}")
    noop = _noop_reapply(10)
    console = Console()
    console.print(table)
    console.print(
        f"no-change re-apply of 10 bridges (open, lock, read, diff, verify, close; median of 7): {noop * 1000:.1f} ms (target < 50 ms)"
    )
    return 0 if ok and noop < 0.05 else 1


if __name__ == "__main__":
    sys.exit(main())
