"""`python main.py` (the shipped example) on CDK Terrain (cdktn, .venv-cdktn) against cdktf 0.21 (.venv), side by side.

Run: make test-cdktn (makes .venv-cdktn), then .venv/bin/python bench/bench_runtimes.py
Fresh processes (Python, jsii and Node start included), interleaved; no target: the figures decide the default
runtime's reasons in docs/stacks.md, and a large change in either shows here.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from harness import command, compare, print_report

REPO = Path(__file__).resolve().parent.parent
ENV = {"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}


def main() -> int:
    cdktn = REPO / ".venv-cdktn" / "bin" / "python"
    if not cdktn.exists():
        print("no .venv-cdktn: run `make test-cdktn` first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as work:
        out = Path(work)

        def main_py(python: Path, runtime: str):  # noqa: ANN202 - a Measure
            env = {**ENV, "FGTHA_CDK": runtime, "CDKTF_OUTDIR": str(out / runtime)}
            return command([str(python), str(REPO / "main.py")], env)

        result = compare(
            "python main.py on cdktn 0.24",
            main_py(cdktn, "cdktn"),
            "the same on cdktf 0.21",
            main_py(Path(sys.executable), "cdktf"),
            None,
            runs=7,
        )
    print_report("CDK runtimes: synth of the shipped example (fresh processes, interleaved)", [result])
    return 0 if result.error is None else 1


if __name__ == "__main__":
    sys.exit(main())
