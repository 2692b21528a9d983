"""Synth against a pure empty cdktf app (one empty stack, nothing of ours imported), side by side in one run.

Run: .venv/bin/python bench/bench_synth.py
Targets (issue 11): `python main.py` (the shipped example) at most 1.25x the empty app; 100 clusters at most 6x.
Every case is a fresh process (Python, jsii and Node start included), writing into a temporary folder;
1 and 10 clusters are shown for the trend.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from harness import Comparison, Measure, byte_compile_project, command, compare, print_report

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "unicast-two-hosts.yaml"
ENV = {"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}

EMPTY_APP = """
import sys
from cdktf import App, TerraformStack
app = App(outdir=sys.argv[1])
TerraformStack(app, "empty")
app.synth()
"""

CLUSTERS = """
import sys, yaml
from fgtha.spec.model import ClusterSpec
from fgtha_constructs.cdk import App
from fgtha_stacks.cluster_stacks import add_cluster
count, outdir = int(sys.argv[1]), sys.argv[2]
app = App(outdir=outdir)
data = yaml.safe_load(open(sys.argv[3]))
for i in range(count):
    data["cluster"]["name"] = f"fgt-ha{i}"
    data["cluster"]["group_id"] = i
    add_cluster(app, ClusterSpec.model_validate(data))
app.synth()
"""


def comparisons(out: Path) -> list[Comparison]:
    """The synth comparisons, each against the empty app measured alongside."""
    byte_compile_project()
    empty = command([sys.executable, "-c", EMPTY_APP, str(out / "empty")], ENV)
    main_py = command([sys.executable, str(REPO / "main.py")], {**ENV, "CDKTF_OUTDIR": str(out / "main")})

    def clusters(count: int) -> Measure:
        return command([sys.executable, "-c", CLUSTERS, str(count), str(out / f"c{count}"), str(EXAMPLE)], ENV)

    return [
        compare("python main.py (shipped example)", main_py, "empty cdktf app", empty, 1.25, runs=7),
        compare("1 cluster", clusters(1), "empty cdktf app", empty, None, runs=5),
        compare("10 clusters", clusters(10), "empty cdktf app", empty, None, runs=3),
        compare("100 clusters", clusters(100), "empty cdktf app", empty, 6, runs=3),
    ]


def main() -> int:
    with tempfile.TemporaryDirectory() as work:
        results = comparisons(Path(work))
    print_report("cdktf synth vs an empty cdktf app (fresh processes, interleaved)", results)
    return 0 if all(c.met for c in results) else 1


if __name__ == "__main__":
    sys.exit(main())
