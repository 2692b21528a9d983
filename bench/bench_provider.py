"""The kvmhost provider against its floors: start to handshake vs `python -c pass`, and a no-change
`terraform plan` of 10 kvmhost bridges vs the same plan of 10 `terraform_data` resources.

Run: .venv/bin/python bench/bench_provider.py   (root; a throwaway network namespace)
Targets (issue 11): start to handshake at most 3x `python -c pass`; the no-change plan at most 2.5x the
`terraform_data` plan (same embedded Terraform; Terraform starts our provider as it would for a user).
Two "floor" rows (no target) measure the same against a do-nothing provider on ``tf``
(floor_provider.py): what any provider on ``tf`` and grpcio costs, whatever it does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import Comparison, byte_compile_project, command, compare, print_report, timed

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from floor_provider import SOURCE as FLOOR_SOURCE  # noqa: E402
from floor_provider import install as install_floor  # noqa: E402
from netns import ip, temporary_netns  # noqa: E402
from tfharness import PROVIDER, Terraform, installed_provider, provider_block  # noqa: E402

from fgtha.terraform.env import terraform_env  # noqa: E402

BRIDGES = 10


def provider_start(executable: str = PROVIDER) -> float:
    """Seconds from spawning the provider to its handshake line on stdout."""
    env = terraform_env()
    with subprocess.Popen([executable], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:
        assert proc.stdout is not None
        line: list[str] = []
        elapsed = timed(lambda: line.append(proc.stdout.readline()))  # type: ignore[union-attr]
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    if not line[0].startswith("1|6|unix|"):
        raise RuntimeError(f"no handshake from {executable}: {line[0]!r}")
    return elapsed


def _plans(netns: str, work: Path, floor_config: Path) -> list[Comparison]:
    for i in range(BRIDGES):
        ip("link", "add", f"up{i}", "type", "veth", "peer", "name", f"up{i}p", netns=netns)
    bridges = {f"b{i}": {"name": f"br{i}", "uplink": f"up{i}", "promiscuous": True} for i in range(BRIDGES)}
    kvmhost = Terraform(work / "kvmhost", installed_provider(work / "mirror"))
    kvmhost.write({**provider_block(netns=netns), "resource": {"kvmhost_bridge": bridges}})
    data = Terraform(work / "data")
    data.write({"resource": {"terraform_data": {f"d{i}": {"input": f"br{i}"} for i in range(BRIDGES)}}})
    floor = Terraform(work / "floor", {"TF_CLI_CONFIG_FILE": str(floor_config)})
    floor.write(
        {
            "terraform": {"required_providers": {"floor": {"source": FLOOR_SOURCE}}},
            "resource": {"floor_thing": {f"t{i}": {"name": f"br{i}"} for i in range(BRIDGES)}},
        }
    )
    for tf in (kvmhost, data):
        tf.init()
        tf.apply()
    floor.apply()  # a dev override: nothing to init
    try:
        return [
            compare(
                f"terraform plan, {BRIDGES} kvmhost bridges, no change",
                lambda: timed(lambda: kvmhost.plan(codes=(0,))),
                f"same plan of {BRIDGES} terraform_data",
                lambda: timed(lambda: data.plan(codes=(0,))),
                2.5,
                runs=5,
            ),
            compare(
                f"floor: same plan, {BRIDGES} resources of a do-nothing tf provider",
                lambda: timed(lambda: floor.plan(codes=(0,))),
                f"same plan of {BRIDGES} terraform_data",
                lambda: timed(lambda: data.plan(codes=(0,))),
                None,
                runs=5,
            ),
        ]
    finally:
        kvmhost.destroy()


def comparisons() -> list[Comparison]:
    """The provider's comparisons, each measured side by side."""
    byte_compile_project()
    os.environ.update(terraform_env())
    python_pass = command([sys.executable, "-c", "pass"])
    with temporary_netns("fgtha-bench") as netns, tempfile.TemporaryDirectory() as work:
        floor, floor_config = install_floor(Path(work) / "floor-provider")
        results = [
            compare("provider start to handshake", provider_start, "python -c pass", python_pass, 3),
            compare(
                "floor: a do-nothing tf provider, start to handshake",
                lambda: provider_start(str(floor)),
                "python -c pass",
                python_pass,
                None,
            ),
        ]
        results += _plans(netns, Path(work), floor_config)
    return results


def main() -> int:
    results = comparisons()
    print_report("kvmhost provider (interleaved)", results)
    return 0 if all(c.met for c in results) else 1


if __name__ == "__main__":
    sys.exit(main())
