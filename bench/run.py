"""Every bench in one run (`make bench`): each target said "met" or "missed", and a miss stops nothing.

Run: .venv/bin/python bench/run.py   (root: the bridge and provider benches use throwaway namespaces)
Exit code 0 when every target is met, 1 otherwise, after all benches have run.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import bench_bridge
import bench_provider
import bench_startup
import bench_synth
from harness import Comparison, print_report


def main() -> int:
    every: list[Comparison] = []
    with tempfile.TemporaryDirectory() as work:
        benches = {
            "CLI start-up": bench_startup.comparisons,
            "bridge helper vs ip -batch": bench_bridge.comparisons,
            "kvmhost provider": bench_provider.comparisons,
            "synth vs an empty cdktf app": lambda: bench_synth.comparisons(Path(work)),
        }
        for title, run in benches.items():
            try:
                results = run()
            except Exception as exc:  # one broken bench must not hide the others' figures
                print(f"{title}: bench failed: {type(exc).__name__}: {exc}", file=sys.stderr)
                results = [Comparison(title, "-", None, error=f"{type(exc).__name__}: {exc}")]
            print_report(title, results)
            every += results
    targeted = [c for c in every if c.target is not None or c.error]
    missed = [c.name for c in targeted if not c.met]
    print(
        f"{len(targeted) - len(missed)} of {len(targeted)} targets met"
        + (f"; missed: {', '.join(missed)}" if missed else "")
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
