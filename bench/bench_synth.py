"""Synth against a pure empty cdktf app (one empty stack, nothing of ours imported), side by side in one run.

Run: .venv/bin/python bench/bench_synth.py
Targets (issue 11): `python main.py` (the shipped example) at most 1.25x the empty app; 100 clusters at most 6x.
Every case is a fresh process (Python, jsii and Node start included), writing into a temporary folder;
1 and 10 clusters are shown for the trend, and the floor of 100 clusters with cdktf's API (:data:`FLOOR`).
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


#: The floor of "100 clusters" with cdktf's construct API from Python: the same stacks and elements as 100 clusters
#: of the example (per cluster 4 stacks with their backends, 8 constructs, 7 providers, 24 resources, 6 variables,
#: 3 stack dependencies; bench/jsii_count.py counts them), each made with one jsii call and no attribute at all.
FLOOR = """
import sys
from cdktf import App, LocalBackend, TerraformProvider, TerraformResource, TerraformStack, TerraformVariable
from constructs import Construct
count, outdir = int(sys.argv[1]), sys.argv[2]
app = App(outdir=outdir)

def stack(name):
    s = TerraformStack(app, name)
    LocalBackend(s, path=name + ".tfstate")
    return s

def provider(scope, id):
    return TerraformProvider(scope, id, terraform_resource_type="p")

def resources(scope, *ids):
    for id in ids:
        TerraformResource(scope, id, terraform_resource_type="r")

for i in range(count):
    units = stack(f"c{i}-units")
    group = Construct(units, "units")
    for p in ("libvirt_a", "libvirt_b", "drives"):
        provider(group, p)
    for unit in ("a", "b"):
        resources(Construct(group, unit), "boot", "log", "drive", "volume", "domain")
    for v in ("ha_password", "admin_password"):
        TerraformVariable(units, v, type="string")
    for host in ("a", "b"):
        network = stack(f"c{i}-network-{host}")
        bridges = Construct(network, "network")
        provider(bridges, "kvmhost")
        resources(bridges, "b1", "b2", "b3", "b4")
        units.add_dependency(network)
    ha = stack(f"c{i}-ha")
    settings = Construct(ha, "ha")
    for unit in ("a", "b"):
        scope = Construct(settings, unit)
        provider(scope, "fortios")
        resources(scope, "ha", "global", "mgmt")
    for v in ("insecure", "ha_password", "token_a", "token_b"):
        TerraformVariable(ha, v, type="string")
    ha.add_dependency(units)
app.synth()
"""


def comparisons(out: Path) -> list[Comparison]:
    """The synth comparisons, each against the empty app measured alongside."""
    byte_compile_project()
    empty = command([sys.executable, "-c", EMPTY_APP, str(out / "empty")], ENV)
    main_py = command([sys.executable, str(REPO / "main.py")], {**ENV, "CDKTF_OUTDIR": str(out / "main")})

    floor = command([sys.executable, "-c", FLOOR, "100", str(out / "floor")], ENV)

    def clusters(count: int) -> Measure:
        return command([sys.executable, "-c", CLUSTERS, str(count), str(out / f"c{count}"), str(EXAMPLE)], ENV)

    return [
        compare("python main.py (shipped example)", main_py, "empty cdktf app", empty, 1.25, runs=7),
        compare("1 cluster", clusters(1), "empty cdktf app", empty, None, runs=5),
        compare("10 clusters", clusters(10), "empty cdktf app", empty, None, runs=3),
        compare("100 clusters", clusters(100), "empty cdktf app", empty, 6, runs=3),
        compare("floor: 100 clusters' elements, bare", floor, "empty cdktf app", empty, None, runs=3),
    ]


def main() -> int:
    with tempfile.TemporaryDirectory() as work:
        results = comparisons(Path(work))
    print_report("cdktf synth vs an empty cdktf app (fresh processes, interleaved)", results)
    return 0 if all(c.met for c in results) else 1


if __name__ == "__main__":
    sys.exit(main())
