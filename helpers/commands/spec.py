"""`fgtha validate`, `fgtha render` and `fgtha iso`: the cluster spec and each unit's day-0 bootstrap."""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from ..atomicfile import atomic_write
from ..cli import err_console, report_spec_error
from ..configdrive import fortiflex_license, write_config_drive
from ..fortios.bootstrap import render_unit
from ..fortios.secrets import BootstrapSecrets, resolve_license_token, resolve_secrets
from ..spec.model import ClusterSpec, Unit, load_spec
from ..spec.problems import Problem, SpecError
from ..spec.site import site_problems

console = Console(highlight=False, soft_wrap=True)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the validate, render and iso commands."""
    p = sub.add_parser("validate", help="check cluster specs; print every problem as path: message")
    p.add_argument("specs", nargs="+", metavar="SPEC", help="cluster spec YAML file(s)")
    p.set_defaults(func=validate)

    p = sub.add_parser("render", help="print each unit's FortiOS bootstrap configuration")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--unit", metavar="NAME", help="only this unit")
    p.add_argument(
        "--output-dir", metavar="DIR", type=Path, help="write <unit>.conf files (mode 0600) instead of stdout"
    )
    p.add_argument("--redact", action="store_true", help="show <secret:NAME> placeholders instead of secret values")
    p.set_defaults(func=render)

    p = sub.add_parser("iso", help="write a unit's config drive (ISO 9660, label config-2)")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--unit", metavar="NAME", required=True)
    p.add_argument("--output", metavar="PATH", type=Path, required=True)
    p.set_defaults(func=iso)


def _print_warnings(problems: tuple[Problem, ...]) -> None:
    for problem in problems:
        err_console.print(f"[yellow]warning[/] {escape(problem.path)}: {escape(problem.message)}")


def check_specs(paths: Sequence[str | Path], *, show_ok: bool = True) -> dict[str, ClusterSpec] | None:
    """Load every spec, then check them together (:mod:`fgtha.spec.site`).

    Problems print as ``fgtha validate`` prints them (``SPEC: invalid``, then ``error path: message``);
    returns the specs by path, or None when any is invalid.
    """
    valid: dict[str, ClusterSpec] = {}
    failed = 0
    for path in map(str, paths):
        try:
            spec = load_spec(path)
        except SpecError as exc:
            err_console.print(f"[bold]{escape(path)}[/]: invalid")
            report_spec_error(exc)
            failed += 1
            continue
        valid[path] = spec
        if show_ok:
            console.print(
                f"[green]ok[/] {escape(path)}: cluster {escape(spec.cluster.name)}, {len(spec.units)} units, "
                f"{spec.cluster.heartbeat} heartbeat"
            )
        _print_warnings(spec.warnings)
    clashes: dict[str, list[Problem]] = defaultdict(list)
    for path, problem in site_problems(valid):
        clashes[path].append(problem)
    for path, problems in clashes.items():
        err_console.print(f"[bold]{escape(path)}[/]: invalid with the other specs")
        report_spec_error(SpecError(problems))
    return None if failed or clashes else valid


def validate(args: argparse.Namespace) -> int:
    """Validate every spec given, alone and together; exit 2 when any is invalid."""
    return 0 if check_specs(args.specs) is not None else 2


def _select_unit(spec: ClusterSpec, name: str) -> Unit:
    try:
        return spec.unit(name)
    except KeyError as exc:
        raise SpecError([Problem("--unit", str(exc.args[0]))]) from None


def _placeholders(spec: ClusterSpec) -> BootstrapSecrets:
    api_key = spec.secrets.api_key
    return BootstrapSecrets(
        ha_password=f"<secret:{spec.secrets.ha_password.name}>",
        admin_password=f"<secret:{spec.secrets.admin_password.name}>",
        api_key=f"<secret:{api_key.name}>" if api_key else None,
    )


def render(args: argparse.Namespace) -> int:
    """Render one unit's or every unit's bootstrap, to stdout or to files."""
    spec = load_spec(args.spec)
    units = [_select_unit(spec, args.unit)] if args.unit else list(spec.units)
    secrets = _placeholders(spec) if args.redact else resolve_secrets(spec, prompt=True)
    texts = {unit.name: render_unit(spec, unit, secrets) for unit in units}
    if args.output_dir is not None:
        args.output_dir.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            target = args.output_dir / f"{name}.conf"
            atomic_write(target, text.encode())
            console.print(f"wrote {escape(str(target))}")
        return 0
    for name, text in texts.items():
        if len(texts) > 1:
            sys.stdout.write(f"# unit {name} of cluster {spec.cluster.name}\n")
        sys.stdout.write(text)
    return 0


def _read_license(spec: ClusterSpec, unit: Unit) -> str | None:
    token = resolve_license_token(spec, unit, prompt=True)
    if token is not None:
        return fortiflex_license(token)
    path = spec.license_path(unit)
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        index = spec.units.index(unit)
        raise SpecError(
            [Problem(f"units[{index}].license_file", f"cannot read {path}: {exc.strerror or exc}")]
        ) from None


def iso(args: argparse.Namespace) -> int:
    """Write one unit's config drive; secrets from the environment or a prompt."""
    spec = load_spec(args.spec)
    unit = _select_unit(spec, args.unit)
    license_text = _read_license(spec, unit)
    secrets = resolve_secrets(spec, prompt=True)
    user_data = render_unit(spec, unit, secrets)
    try:
        info = write_config_drive(args.output, user_data, license_text)
    except OSError as exc:
        err_console.print(
            f"[bold red]error[/] --output: cannot write {escape(str(args.output))}: {exc.strerror or exc}"
        )
        return 1
    console.print(f"{escape(str(args.output))}  size {info.size}  sha256 {info.sha256}")
    return 0
