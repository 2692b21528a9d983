"""kvmhost over SSH against kvmhost on this machine: a no-change `terraform plan` of 10 bridges on a host reached
over SSH (a namespace running sshd, Debian's python3 there) vs the same plan in a local namespace.

Run: .venv/bin/python bench/bench_ssh.py   (root; makes and removes its namespaces, sshd and keys)
Target (issue 7): at most 1.5x. Terraform starts the installed provider as it would for a user; each provider
process that touches the host opens one SSH session (handshake, the host's python3 start, the cached bundle).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness import Comparison, compare, print_report, timed

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from netns import ip, temporary_netns  # noqa: E402
from sshhost import ssh_host  # noqa: E402
from tfharness import Terraform, installed_provider, provider_block  # noqa: E402

from fgtha.terraform.env import terraform_env  # noqa: E402

BRIDGES = 10


def _stack(work: Path, env: dict[str, str], netns: str, provider: dict[str, Any]) -> Terraform:
    for i in range(BRIDGES):
        ip("link", "add", f"up{i}", "type", "veth", "peer", "name", f"up{i}p", netns=netns)
    bridges = {f"b{i}": {"name": f"br{i}", "uplink": f"up{i}", "promiscuous": True} for i in range(BRIDGES)}
    tf = Terraform(work, env)
    tf.write({**provider_block(**provider), "resource": {"kvmhost_bridge": bridges}})
    tf.init()
    tf.apply()
    return tf


def comparisons() -> list[Comparison]:
    """The no-change plan over SSH against the same plan in a local namespace, side by side."""
    os.environ.update(terraform_env())
    with tempfile.TemporaryDirectory() as tmp, temporary_netns("fgtha-bench") as local, ssh_host("kvm1") as host:
        work = Path(tmp)
        env = installed_provider(work / "mirror")
        over_ssh = _stack(work / "ssh", env, host.netns, {"ssh": host.provider_ssh()})
        here = _stack(work / "local", env, local, {"netns": local})
        try:
            return [
                compare(
                    f"terraform plan, {BRIDGES} kvmhost bridges over SSH, no change",
                    lambda: timed(lambda: over_ssh.plan(codes=(0,))),
                    "the same plan in a local namespace",
                    lambda: timed(lambda: here.plan(codes=(0,))),
                    1.5,
                    runs=5,
                )
            ]
        finally:
            over_ssh.destroy()
            here.destroy()


def main() -> int:
    results = comparisons()
    print_report("kvmhost over SSH (interleaved)", results)
    return 0 if all(c.met for c in results) else 1


if __name__ == "__main__":
    sys.exit(main())
