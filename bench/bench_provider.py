"""Provider start-up (process start to handshake line) against a bare Python start, and a no-change
`terraform plan` of 10 bridges in a namespace, with the provider started by Terraform and reattached.

Run: .venv/bin/python bench/bench_provider.py        Target: start-up < 300 ms.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from netns import ip, temporary_netns  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from tfharness import PROVIDER, Terraform, installed_provider, provider_block, reattached_provider  # noqa: E402

from fgtha.terraform.env import terraform_env  # noqa: E402

RUNS = 7
BRIDGES = 10


def python_start() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def provider_start() -> float:
    """Seconds from spawning the provider to its handshake line on stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [PROVIDER], env=terraform_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=10)
    if not line.startswith("1|6|unix|"):
        raise RuntimeError(f"no handshake from {PROVIDER}: {line!r}")
    return elapsed


def median(f, runs: int = RUNS) -> float:
    f()  # warm the page cache and the provider's certificate cache
    return statistics.median(f() for _ in range(runs))


def no_change_plan(tf: Terraform) -> float:
    start = time.perf_counter()
    assert tf.plan().code == 0
    return time.perf_counter() - start


def plan_times(netns: str, work: Path) -> dict[str, float]:
    config = {
        **provider_block(netns=netns),
        "resource": {
            "kvmhost_bridge": {
                f"b{i}": {"name": f"br{i}", "uplink": f"up{i}", "promiscuous": True} for i in range(BRIDGES)
            }
        },
    }
    for i in range(BRIDGES):
        ip("link", "add", f"up{i}", "type", "veth", "peer", "name", f"up{i}p", netns=netns)
    times = {}
    installed = Terraform(work / "installed", installed_provider(work / "mirror"))
    installed.write(config)
    installed.init()
    installed.apply()
    times["terraform plan, 10 bridges, no change (provider started by Terraform)"] = median(
        lambda: no_change_plan(installed), 3
    )
    with reattached_provider() as env:
        reattached = Terraform(work / "installed", env)
        times["terraform plan, 10 bridges, no change (provider reattached, --dev)"] = median(
            lambda: no_change_plan(reattached), 3
        )
    installed.destroy()
    return times


def main() -> int:
    os.environ.update(terraform_env())
    py = median(python_start)
    prov = median(provider_start)
    with temporary_netns("fgtha-bench") as netns, tempfile.TemporaryDirectory() as work:
        plans = plan_times(netns, Path(work))
    table = Table(title=f"kvmhost provider (median of {RUNS} starts, 3 plans)")
    table.add_column("measure")
    table.add_column("time", justify="right")
    table.add_column("ratio", justify="right")
    table.add_row("python -c pass", f"{py * 1000:.0f} ms", "1.00")
    table.add_row("provider start to handshake", f"{prov * 1000:.0f} ms", f"{prov / py:.2f} x python")
    for name, seconds in plans.items():
        table.add_row(name, f"{seconds * 1000:.0f} ms", f"{seconds / py:.1f} x python")
    console = Console()
    console.print(table)
    verdict = "[green]met[/]" if prov < 0.3 else "[red]missed[/]"
    console.print(f"start-up target < 300 ms: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
