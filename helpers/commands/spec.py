"""`fgtha validate`, `fgtha render` and `fgtha iso`: the cluster spec and each unit's day-0 bootstrap."""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..cli import command_help, err_console, escape, lazy_console, problems_json, report_spec_error, say
from ..spec.model import ClusterSpec, Unit, load_spec
from ..spec.problems import Problem, SpecError
from ..spec.site import site_problems

if TYPE_CHECKING:
    from ..fortios.secrets import BootstrapSecrets

# Only `render` and `iso` need the secrets, the atomic writer and the config drive: they import them when they run,
# so that `fgtha validate` does not pay for them.

console = lazy_console()


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the validate, render and iso commands."""
    p = sub.add_parser("validate", help=command_help("validate"))
    p.add_argument("specs", nargs="+", metavar="SPEC", help="cluster spec YAML file(s)")
    p.add_argument("--json", action="store_true", help="machine-readable result on stdout (errors too)")
    p.set_defaults(func=validate)

    p = sub.add_parser("render", help=command_help("render"))
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--unit", metavar="NAME", help="only this unit")
    p.add_argument(
        "--output-dir", metavar="DIR", type=Path, help="write <unit>.conf files (mode 0600) instead of stdout"
    )
    p.add_argument("--redact", action="store_true", help="show <secret:NAME> placeholders instead of secret values")
    p.set_defaults(func=render)

    p = sub.add_parser("iso", help=command_help("iso"))
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--unit", metavar="NAME", required=True)
    p.add_argument("--output", metavar="PATH", type=Path, required=True)
    p.set_defaults(func=iso)


def _print_warnings(problems: tuple[Problem, ...]) -> None:
    for problem in problems:
        say(err_console, f"{problem.path}: {problem.message}", "warning", "yellow")


def _load_all(paths: Sequence[str | Path]) -> tuple[dict[str, ClusterSpec | SpecError], dict[str, list[Problem]]]:
    """Every spec loaded (or its error), by path, and the problems between the valid ones (by path)."""
    loaded: dict[str, ClusterSpec | SpecError] = {}
    for path in map(str, paths):
        try:
            loaded[path] = load_spec(path)
        except SpecError as exc:
            loaded[path] = exc
    valid = {path: spec for path, spec in loaded.items() if isinstance(spec, ClusterSpec)}
    clashes: dict[str, list[Problem]] = defaultdict(list)
    for path, problem in site_problems(valid):
        clashes[path].append(problem)
    return loaded, clashes


def check_specs(paths: Sequence[str | Path], *, show_ok: bool = True) -> dict[str, ClusterSpec] | None:
    """Load every spec, then check them together (:mod:`fgtha.spec.site`).

    Problems print as ``fgtha validate`` prints them (``SPEC: invalid``, then ``error path: message``);
    returns the specs by path, or None when any is invalid.
    """
    loaded, clashes = _load_all(paths)
    valid: dict[str, ClusterSpec] = {}
    for path, spec in loaded.items():
        if isinstance(spec, SpecError):
            err_console.print(f"[bold]{escape(path)}[/]: invalid")
            report_spec_error(spec)
            continue
        valid[path] = spec
        if show_ok:
            summary = f"cluster {spec.cluster.name}, {len(spec.units)} units, {spec.cluster.heartbeat} heartbeat"
            say(console, f"{path}: {summary}", "ok", "green")
        _print_warnings(spec.warnings)
    for path, problems in clashes.items():
        err_console.print(f"[bold]{escape(path)}[/]: invalid with the other specs")
        report_spec_error(SpecError(problems))
    return None if len(valid) < len(loaded) or clashes else valid


def _json_report(paths: Sequence[str | Path]) -> tuple[bool, dict[str, object]]:
    """``fgtha validate --json``: whether all are valid, and one entry per spec (errors capped as in text)."""
    loaded, clashes = _load_all(paths)
    specs: list[dict[str, object]] = []
    for path, spec in loaded.items():
        if isinstance(spec, SpecError):
            specs.append({"path": path, "valid": False, **problems_json(spec.problems)})
        elif path in clashes:
            specs.append({"path": path, "valid": False, **problems_json(clashes[path])})
        else:
            specs.append(
                {
                    "path": path,
                    "valid": True,
                    "cluster": spec.cluster.name,
                    "units": len(spec.units),
                    "heartbeat": spec.cluster.heartbeat,
                    "warnings": [w.as_dict() for w in spec.warnings],
                }
            )
    return all(entry["valid"] for entry in specs), {"specs": specs}


def validate(args: argparse.Namespace) -> int:
    """Validate every spec given, alone and together; exit 2 when any is invalid."""
    if args.json:
        import json  # only --json output needs it

        ok, report = _json_report(args.specs)
        print(json.dumps(report, indent=2))
        return 0 if ok else 2
    return 0 if check_specs(args.specs) is not None else 2


def _select_unit(spec: ClusterSpec, name: str) -> Unit:
    try:
        return spec.unit(name)
    except KeyError as exc:
        raise SpecError([Problem("--unit", str(exc.args[0]))]) from None


def _placeholders(spec: ClusterSpec) -> BootstrapSecrets:
    from ..fortios.secrets import BootstrapSecrets

    api_key = spec.secrets.api_key
    return BootstrapSecrets(
        ha_password=f"<secret:{spec.secrets.ha_password.name}>",
        admin_password=f"<secret:{spec.secrets.admin_password.name}>",
        api_key=f"<secret:{api_key.name}>" if api_key else None,
    )


def _inputs(spec_path: str, spec: ClusterSpec) -> list[Path]:
    """The files a command reads: the spec and its licences (an output must never be one of them)."""
    paths = [Path(spec_path)]
    paths += [p for p in (spec.license_path(u) for u in spec.units) if p is not None]
    return paths


def _refuse_overwriting_inputs(option: str, target: Path, inputs: list[Path]) -> None:
    for source in inputs:
        same = target.resolve() == source.resolve()
        if not same and target.exists() and source.exists():
            same = os.path.samefile(target, source)
        if same:
            raise SpecError([Problem(option, f"{target} is {source}, an input of this command; give another path")])


def _write_failed(option: str, target: Path, exc: OSError) -> int:
    err_console.print(
        f"[bold red]error[/] {option}: cannot write {escape(str(target))}: {escape(exc.strerror or str(exc))}"
    )
    return 1


def render(args: argparse.Namespace) -> int:
    """Render one unit's or every unit's bootstrap, to stdout or to files."""
    from ..atomicfile import atomic_write_many
    from ..fortios.secrets import resolve_secrets

    spec = load_spec(args.spec)
    units = [_select_unit(spec, args.unit)] if args.unit else list(spec.units)
    if args.output_dir is not None:
        for unit in units:
            _refuse_overwriting_inputs("--output-dir", args.output_dir / f"{unit.name}.conf", _inputs(args.spec, spec))
    secrets = _placeholders(spec) if args.redact else resolve_secrets(spec, prompt=True)
    from ..fortios.bootstrap import render_unit  # jinja2: only the commands that render pay for it

    texts = {unit.name: render_unit(spec, unit, secrets) for unit in units}
    if args.output_dir is not None:
        try:
            args.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return _write_failed("--output-dir", args.output_dir, exc)
        files = {args.output_dir / f"{name}.conf": text.encode() for name, text in texts.items()}
        try:
            atomic_write_many(files)  # all or none, one folder fsync
        except OSError as exc:
            return _write_failed("--output-dir", args.output_dir, exc)
        for target in files:
            console.print(f"wrote {escape(str(target))}")
        return 0
    for name, text in texts.items():
        if len(texts) > 1:
            sys.stdout.write(f"# unit {name} of cluster {spec.cluster.name}\n")
        sys.stdout.write(text)
    return 0


def _read_license(spec: ClusterSpec, unit: Unit) -> str | None:
    from ..configdrive import fortiflex_license
    from ..fortios.secrets import resolve_license_token

    token = resolve_license_token(spec, unit, prompt=True)
    if token is not None:
        return fortiflex_license(token)
    return spec.license_text(unit)


def iso(args: argparse.Namespace) -> int:
    """Write one unit's config drive; secrets from the environment or a prompt."""
    from ..configdrive import write_config_drive
    from ..fortios.secrets import resolve_secrets

    spec = load_spec(args.spec)
    unit = _select_unit(spec, args.unit)
    _refuse_overwriting_inputs("--output", args.output, _inputs(args.spec, spec))
    problems: list[Problem] = []
    license_text: str | None = None
    try:
        license_text = _read_license(spec, unit)
    except SpecError as exc:
        problems.extend(exc.problems)
    from ..fortios.bootstrap import render_unit

    try:
        user_data = render_unit(spec, unit, resolve_secrets(spec, prompt=True))
    except SpecError as exc:
        problems.extend(exc.problems)
    if problems:
        raise SpecError(problems)
    try:
        info = write_config_drive(args.output, user_data, license_text)
    except OSError as exc:
        return _write_failed("--output", args.output, exc)
    console.print(f"{escape(str(args.output))}  size {info.size}  sha256 {info.sha256}")
    return 0
