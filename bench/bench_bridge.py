"""Bridge helper speed against `ip -batch` making the same changes, side by side in one run.

Run: .venv/bin/python bench/bench_bridge.py   (root; throwaway network namespaces)
Targets (issue 11): the library's in-process apply of 10 and 100 bridges at most 1.5x one `ip -batch`
process; `fgtha host apply` of 10 bridges, whole process, at most 10x that `ip -batch`.
Each measure starts from a fresh namespace with the uplinks made (not timed); both sides make the same
changes per bridge: create (stp off), alias record, uplink promiscuous, uplink up, bridge up, enslave.

Two rows without a target show the floor of the whole-process row: `python -c pass` (the interpreter alone)
and `fgtha validate` of the same spec (interpreter, CLI and spec loading, the part of `host apply` before it
touches the host). The project is byte-compiled first, as an install does.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import yaml
from harness import Comparison, byte_compile_project, command, compare, print_report, timed

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from netns import temporary_netns  # noqa: E402

from fgtha.bridge import BridgeConfig, HostNetwork  # noqa: E402

FGTHA = str(Path(sys.executable).parent / "fgtha")


def _uplinks(ns: str, n: int) -> None:
    batch = "".join(f"link add up{i} type veth peer name pe{i}\n" for i in range(n))
    subprocess.run(["ip", "-n", ns, "-batch", "-"], input=batch, text=True, check=True)


#: The namespaces of one comparison, removed when it ends, not between its runs: the kernel tears a namespace
#: down in the background, holding the rtnl lock and a core for tens of milliseconds, and that landed on whichever
#: run came next (the longer a run, the more of it: host apply's median was 353 ms against 165 ms without).
_namespaces = ExitStack()


def _in_fresh_namespace(n: int, action: Callable[[str], object]) -> float:
    """Seconds ``action(namespace)`` takes in a fresh namespace that has ``n`` veth uplinks."""
    ns = _namespaces.enter_context(temporary_netns("fgtha-bench"))
    _uplinks(ns, n)
    return timed(lambda: action(ns))


def _compare(*args: Any, **kwargs: Any) -> Comparison:
    """:func:`compare`, the namespaces its runs made removed once it is done."""
    with _namespaces:
        return compare(*args, **kwargs)


def _ip_batch(n: int) -> Callable[[], float]:
    lines = []
    for i in range(n):
        lines += [
            f"link add br{i} type bridge stp_state 0",
            f"link set br{i} alias fgtha:uplink=up{i},mtu=1500,promisc=0,up=0",
            f"link set up{i} promisc on",
            f"link set up{i} up",
            f"link set br{i} up",
            f"link set up{i} master br{i}",
        ]
    batch = "\n".join(lines) + "\n"

    def run(ns: str) -> None:
        subprocess.run(["ip", "-n", ns, "-batch", "-"], input=batch, text=True, check=True)

    return lambda: _in_fresh_namespace(n, run)


def _library(n: int) -> Callable[[], float]:
    configs = [BridgeConfig(f"br{i}", uplink=f"up{i}", promiscuous=True) for i in range(n)]

    def run(ns: str) -> None:
        with HostNetwork(ns) as host:
            host.apply(configs)

    return lambda: _in_fresh_namespace(n, run)


def _spec(n: int) -> dict[str, object]:
    """A broadcast cluster on one host whose ``n`` bridges each have an uplink and carry one FortiGate port."""
    ports: list[dict[str, object]] = [{"port": f"port{i + 1}", "bridge": f"br{i}"} for i in range(n)]
    ports[-2]["heartbeat"] = True
    ports[-1]["ha_mgmt"] = True
    return {
        "cluster": {"name": "bench", "group_id": 30, "heartbeat": "broadcast"},
        "image": {"path": "/var/lib/libvirt/images/fortios.qcow2"},
        "hosts": [{"name": "kvm1", "bridges": [{"name": f"br{i}", "uplink": f"up{i}"} for i in range(n)]}],
        "ports": ports,
        "units": [
            {"name": "fgt-a", "host": "kvm1", "priority": 200, "mgmt_ip": "192.0.2.21/24"},
            {"name": "fgt-b", "host": "kvm1", "priority": 100, "mgmt_ip": "192.0.2.22/24"},
        ],
        "secrets": {"ha_password": {"variable": "bench_ha"}, "admin_password": {"variable": "bench_admin"}},
    }


def _host_apply(spec: Path, n: int) -> Callable[[], float]:
    def run(ns: str) -> None:
        argv = [FGTHA, "host", "apply", str(spec), "--host", "kvm1", "--netns", ns]
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    return lambda: _in_fresh_namespace(n, run)


def comparisons() -> list[Comparison]:
    """The bridge helper's comparisons, each measured side by side."""
    byte_compile_project()
    _library(1)()  # the bridge modules are imported on first use: the rows below measure the work, not that import
    results = [
        _compare("library apply, 10 bridges (in-process)", _library(10), "ip -batch", _ip_batch(10), 1.5, runs=9),
        _compare("library apply, 100 bridges (in-process)", _library(100), "ip -batch", _ip_batch(100), 1.5, runs=5),
    ]
    with tempfile.TemporaryDirectory() as work:
        spec = Path(work) / "ten-bridges.yaml"
        spec.write_text(yaml.safe_dump(_spec(10)))
        results += [
            _compare("fgtha host apply, 10 bridges (process)", _host_apply(spec, 10), "ip -batch", _ip_batch(10), 10),
            _compare(
                "floor: python -c pass", command([sys.executable, "-c", "pass"]), "ip -batch", _ip_batch(10), None
            ),
            _compare(
                "floor: fgtha validate SPEC", command([FGTHA, "validate", str(spec)]), "ip -batch", _ip_batch(10), None
            ),
        ]
    return results


def main() -> int:
    results = comparisons()
    print_report("bridge helper vs ip -batch (same changes, fresh namespace each)", results)
    return 0 if all(c.met for c in results) else 1


if __name__ == "__main__":
    sys.exit(main())
