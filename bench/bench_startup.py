"""Whole-process start-up of the CLI against the floor: `python -c pass`, and `fgtha iso` against xorriso.

Run: .venv/bin/python bench/bench_startup.py
Targets (issue 11): `fgtha validate` of the example and `fgtha --help` at most 4x `python -c pass`;
`fgtha iso` at most 3x `xorriso -as mkisofs` writing the same files.

The floor line is what any process pays that validates YAML with a pydantic model: importing pydantic and
PyYAML (libyaml) and building one one-field model, with the garbage collector treated as `fgtha` treats it
(off during the imports, their objects frozen after); `fgtha validate` cannot start faster than that.

The project's modules are byte-compiled first, as pip does when it installs the package (about 20 ms of
`fgtha validate` otherwise, with PYTHONDONTWRITEBYTECODE set).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from harness import Comparison, byte_compile_project, command, compare, print_report

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "unicast-two-hosts.yaml"
BIN = Path(sys.executable).parent
#: The least a pydantic-and-YAML validation costs: the libraries imported (the garbage collector off meanwhile and
#: their objects frozen after, as the fgtha script does), one one-field model built and used.
FLOOR = """
import gc
gc.disable()
import yaml
from pydantic import BaseModel
class Floor(BaseModel):
    x: int
gc.freeze()
gc.enable()
Floor.model_validate(yaml.load("x: 1", Loader=yaml.CSafeLoader))
"""
SECRETS = {"TF_VAR_fgt_ha_password": "bench-ha-password", "TF_VAR_fgt_admin_password": "bench-admin-password"}


def comparisons() -> list[Comparison]:
    """The start-up comparisons, each measured side by side."""
    floor = command([sys.executable, "-c", "pass"])
    fgtha = str(BIN / "fgtha")
    validate = command([fgtha, "validate", str(EXAMPLE)])
    results = [  # 21 runs: a whole round takes a fifth of a second, and the 2 shared cores are noisy
        compare("fgtha validate (example)", validate, "python -c pass", floor, 4, runs=21),
        compare(
            "floor: pydantic + 1 model + libyaml",
            command([sys.executable, "-c", FLOOR]),
            "python -c pass",
            floor,
            None,
            runs=21,
        ),
        compare("fgtha --help", command([fgtha, "--help"]), "python -c pass", floor, 4, runs=21),
    ]
    with tempfile.TemporaryDirectory() as work:
        out = Path(work)
        files = out / "tree" / "openstack"
        (files / "latest").mkdir(parents=True)
        (files / "content").mkdir()
        render = command([fgtha, "render", str(EXAMPLE), "--unit", "fgt-a", "--output-dir", str(out / "r")], SECRETS)
        render()
        (files / "latest" / "user_data").write_bytes(next((out / "r").iterdir()).read_bytes())
        (files / "latest" / "meta_data.json").write_text('{"files": []}')
        iso = [fgtha, "iso", str(EXAMPLE), "--unit", "fgt-a", "--output", str(out / "fgt-a.iso")]
        xorriso = ["xorriso", "-as", "mkisofs", "-quiet", "-V", "config-2", "-J", "-R"]
        xorriso += ["-o", str(out / "x.iso"), str(out / "tree")]
        results.append(
            compare("fgtha iso (one unit)", command(iso, SECRETS), "xorriso -as mkisofs", command(xorriso), 3)
        )
    return results


def main() -> int:
    byte_compile_project()
    results = comparisons()
    print_report("CLI start-up (whole processes, interleaved)", results)
    return 0 if all(c.met for c in results) else 1


if __name__ == "__main__":
    sys.exit(main())
