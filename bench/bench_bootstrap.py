"""Time to validate, render and pack one HA pair, and 100 pairs (100 specs), side by side.

Run: .venv/bin/python bench/bench_bootstrap.py
The ratio column is (100-pair time) / (100 x one-pair time): near 1.0 means linear scaling.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from fgtha.configdrive import build_config_drive
from fgtha.fortios.bootstrap import render_all
from fgtha.fortios.secrets import BootstrapSecrets
from fgtha.spec.model import ClusterSpec, parse_spec

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "unicast-two-hosts.yaml"
SECRETS = BootstrapSecrets(ha_password="bench-ha-password", admin_password="bench-admin-password")
PAIRS = 100


def spec_texts(count: int, offset: int = 0) -> list[str]:
    """``count`` distinct specs (own name and group-id) derived from the shipped unicast example."""
    base = yaml.safe_load(EXAMPLE.read_text())
    texts = []
    for i in range(offset, offset + count):
        base["cluster"]["name"] = f"bench-{i}"
        base["cluster"]["group_id"] = i % 1024
        texts.append(yaml.safe_dump(base))
    return texts


def validate(texts: list[str]) -> list[ClusterSpec]:
    return [parse_spec(text) for text in texts]


def render(specs: list[ClusterSpec]) -> list[dict[str, str]]:
    return [render_all(spec, SECRETS) for spec in specs]


def pack(rendered: list[dict[str, str]]) -> list[bytes]:
    return [build_config_drive(text) for units in rendered for text in units.values()]


def timed(step: Callable[[list], list], data: list) -> tuple[float, list]:  # type: ignore[type-arg]
    start = time.perf_counter()
    result = step(data)
    return time.perf_counter() - start, result


def run(texts: list[str]) -> dict[str, float]:
    """Seconds per phase for these specs."""
    t_validate, specs = timed(validate, texts)
    t_render, rendered = timed(render, specs)
    t_pack, _ = timed(pack, rendered)
    return {
        "validate": t_validate,
        "render": t_render,
        "pack (2 ISOs/pair)": t_pack,
        "total": t_validate + t_render + t_pack,
    }


def main() -> None:
    run(spec_texts(1, offset=10_000))  # warm up: imports, template compilation
    one = {
        phase: statistics.median(r[phase] for r in (run(spec_texts(1, offset=k)) for k in range(5)))
        for phase in ("validate", "render", "pack (2 ISOs/pair)", "total")
    }
    many = run(spec_texts(PAIRS, offset=1000))
    table = Table(title=f"bootstrap: 1 pair vs {PAIRS} pairs ({PAIRS} specs)")
    table.add_column("phase")
    table.add_column("1 pair (ms, median of 5)", justify="right")
    table.add_column(f"{PAIRS} pairs (ms)", justify="right")
    table.add_column(f"ratio {PAIRS}-pair / ({PAIRS} x 1-pair)", justify="right")
    for phase, t1 in one.items():
        tn = many[phase]
        table.add_row(phase, f"{t1 * 1e3:.2f}", f"{tn * 1e3:.1f}", f"{tn / (PAIRS * t1):.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
