"""Count the jsii round trips of a synth (every create/get/set/invoke/callback is one request over the pipe to Node).

Run: .venv/bin/python bench/jsii_count.py [main | empty | CLUSTERS] [--by-name] [--time]
``main`` synthesizes the shipped example as ``python main.py`` does; ``empty`` the empty cdktf app of
bench_synth.py; a number that many clusters of the example. Prints the requests by kind (a callback is
counted as the ``complete`` that answers it, with the Python method Node called), how many came before
``app.synth()`` and during it, and with ``--time`` the wall time spent waiting on Node per kind.
This wraps jsii's process provider here only, for measuring; the product never imports this.
"""

from __future__ import annotations

import collections
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "unicast-two-hosts.yaml"

counts: collections.Counter[str] = collections.Counter()
seconds: collections.Counter[str] = collections.Counter()
phase = {"name": "build"}


def _label(request: Any) -> str:
    kind = type(request).__name__.removesuffix("Request").lstrip("_").lower()
    inner = getattr(request, "complete", None)
    if kind == "complete" and inner is not None:
        request = inner
    for attribute in ("method", "property", "fqn"):
        value = getattr(request, attribute, None)
        if value:
            return f"{kind} {value}"
    return kind


def install() -> None:
    """Wrap ``_NodeProcess.send`` (and the callback handler, to name what Node called) to count requests."""
    from jsii import _kernel
    from jsii._kernel.providers import process

    original_send = process._NodeProcess.send

    def send(self: Any, request: Any, response_type: Any) -> Any:
        start = time.perf_counter()
        try:
            return original_send(self, request, response_type)
        finally:
            label = f"{phase['name']}: {_label(request)}"
            counts[label] += 1
            seconds[label] += time.perf_counter() - start

    process._NodeProcess.send = send  # type: ignore[method-assign]
    original_callback = _kernel._handle_callback

    def handle_callback(kernel: Any, callback: Any) -> Any:
        counts[f"{phase['name']}: callback -> {callback.cookie}"] += 1
        return original_callback(kernel, callback)

    _kernel._handle_callback = handle_callback


def run(target: str, outdir: str) -> None:
    """Build and synthesize ``target`` into ``outdir``, counting build and synth apart."""
    import yaml

    from fgtha_constructs.cdk import App

    if target == "empty":  # the bench's anchor: the runtime's own stack class, nothing of ours
        import importlib

        from fgtha_constructs import boot

        app = App(outdir=outdir)
        importlib.import_module(boot.runtime_name()).TerraformStack(app, "empty")
    elif target == "main":
        from fgtha.commands.spec import check_specs
        from fgtha.project import load_config
        from fgtha_stacks.app import build

        os.chdir(REPO)
        app = App(outdir=outdir)
        specs = check_specs([str(EXAMPLE.relative_to(REPO))], show_ok=False)
        assert specs is not None
        build(app, specs, load_config(REPO))
    else:
        from fgtha.spec.model import ClusterSpec
        from fgtha_stacks.cluster_stacks import add_cluster

        app = App(outdir=outdir)
        data = yaml.safe_load(EXAMPLE.read_text())
        for i in range(int(target)):
            data["cluster"]["name"] = f"fgt-ha{i}"
            data["cluster"]["group_id"] = i
            add_cluster(app, ClusterSpec.model_validate(data))
    phase["name"] = "synth"
    app.synth()


def main(argv: list[str]) -> int:
    target = next((a for a in argv if not a.startswith("--")), "main")
    install()
    with tempfile.TemporaryDirectory() as out:
        run(target, out)
    total = sum(counts[k] for k in counts if ": callback -> " not in k)
    by_phase = collections.Counter(k.split(":")[0] for k in counts for _ in range(counts[k]) if "callback ->" not in k)
    print(f"{target}: {total} jsii requests ({', '.join(f'{p} {n}' for p, n in by_phase.items())})")
    if "--by-name" in argv:
        for label, n in counts.most_common():
            extra = f"  {seconds[label] * 1000:8.1f} ms" if "--time" in argv and label in seconds else ""
            print(f"{n:7d}  {label}{extra}")
    elif "--time" in argv:
        print(f"waiting on node: {sum(seconds.values()) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
