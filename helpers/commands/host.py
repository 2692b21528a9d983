"""`fgtha host check` and `fgtha host apply`: a host's readiness, and its bridges without Terraform."""

from __future__ import annotations

import argparse
import json
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from ..bridge import BridgeConfig, BridgeError, HostNetwork, Plan, bridges_for_host, netns_exists
from ..bridge.interrupt import Interrupted
from ..bridge.lock import LOCK_TIMEOUT
from ..bridge.planner import make_plan
from ..cli import command_help, err_console, escape, lazy_console, say
from ..spec.model import ClusterSpec, load_spec
from ..spec.problems import Problem, SpecError

if TYPE_CHECKING:
    from ..bridge.persist import Files
    from ..hostcheck.probe import ProbeReport
    from ..remote.host import RemoteHost, RemotePlan

# rich is imported when something is printed, the distributions' file formats only with --persist.
console = lazy_console()
STATUS_STYLE = {"ok": "green", "fail": "bold red", "warn": "yellow", "not checked": "dim"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``host`` command group with ``check`` and ``apply``."""
    host = sub.add_parser("host", help=command_help("host"))
    hsub = host.add_subparsers(dest="host_command", required=True, metavar="ACTION")

    p = hsub.add_parser("check", help="is the host ready for the spec's heartbeat mode? (exit 0 ready, 1 not)")
    _common(p)
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.set_defaults(func=check)

    p = hsub.add_parser("apply", help="bring the host's bridges to the spec (rolls back on failure)")
    _common(p)
    p.add_argument("--dry-run", action="store_true", help="print the plan (and files with --persist); change nothing")
    p.add_argument("--persist", action="store_true", help="also write the distribution's network configuration")
    p.add_argument("--format", default="auto", choices=["auto", "netplan", "networkmanager", "ifupdown", "networkd"])
    p.add_argument("--root", type=Path, default=Path("/"), metavar="DIR", help="root folder for --persist (default /)")
    p.add_argument(
        "--lock-timeout",
        type=float,
        default=LOCK_TIMEOUT,
        metavar="SECONDS",
        help=f"how long to wait for another apply on the same host (default {LOCK_TIMEOUT:g})",
    )
    p.set_defaults(func=apply)
    register_probe(hsub)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--host", required=True, metavar="NAME", help="the spec's host to act on")
    p.add_argument("--netns", metavar="NS", help="act inside this named network namespace")


def _load(args: argparse.Namespace) -> ClusterSpec:
    """The spec, once it has the ``--host`` given and ``--netns`` exists (exit 2 with a problem for each otherwise)."""
    spec = load_spec(args.spec)
    problems = []
    try:
        spec.host(args.host)
    except KeyError as exc:
        problems.append(Problem("--host", str(exc.args[0])))
    if args.netns is not None and not netns_exists(args.netns):
        problems.append(Problem("--netns", f"no network namespace named {args.netns!r} (see `ip netns list`)"))
    if problems:
        raise SpecError(problems)
    return spec


def _remote(args: argparse.Namespace, spec: ClusterSpec) -> RemoteHost | None:
    """The ``--host`` over SSH when the spec says it is remote and no ``--netns`` is given; None: this machine."""
    reach = None if args.netns else spec.host(args.host).reach
    if reach is None:
        return None
    from ..remote.host import RemoteHost

    return RemoteHost(reach, f"host {args.host} ({reach})")


def check(args: argparse.Namespace) -> int:
    """Print the readiness report; exit 0 when ready, 1 when not, 2 on bad input."""
    from ..hostcheck.check import check_host

    spec = _load(args)
    remote = _remote(args, spec)
    try:
        report = check_host(spec, args.host, args.netns, remote)
    except BridgeError as exc:  # the namespace went away meanwhile, or the host cannot be reached
        say(err_console, str(exc), "error", "bold red")
        return 2
    finally:
        if remote is not None:
            remote.close()
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
        return 0 if report.ready else 1
    from rich.table import Table

    table = Table(title=f"host {report.host} ({report.heartbeat} heartbeat)", title_justify="left")
    for column in ("check", "status", "detail"):
        table.add_column(column)
    for f in report.findings:
        table.add_row(escape(f.check), f"[{STATUS_STYLE[f.status]}]{f.status}[/]", escape(f.detail))
    console.print(table)
    console.print("[green]ready[/]" if report.ready else "[bold red]not ready[/]")
    return 0 if report.ready else 1


def apply(args: argparse.Namespace) -> int:
    """Take the host's lock, print the plan, apply it (unless --dry-run); with --persist write the configuration."""
    spec = _load(args)
    desired = bridges_for_host(spec, args.host)
    remote = _remote(args, spec)
    if remote is not None:
        return _apply_remote(args, remote, desired)
    files: Files = {}
    if args.persist:
        from ..bridge.persist import detect_format

        try:
            fmt = detect_format(args.root) if args.format == "auto" else args.format
        except ValueError as exc:
            say(err_console, f"--format: {exc}", "error", "bold red")
            return 2
    label = f"host {args.host}" + (f" (netns {args.netns})" if args.netns else "")
    try:
        with HostNetwork(args.netns, label=label, notify=_notice, lock_timeout=args.lock_timeout) as host:
            with nullcontext() if args.dry_run else host.locked():  # the plan shown is the plan applied
                if args.dry_run:
                    _note_unfinished(host)
                snapshot = host.snapshot()
                if args.persist:  # addresses and routes as they are before the apply moves them
                    from ..bridge.persist import observed_addressing, render

                    files = render(fmt, desired, observed_addressing(snapshot, desired))
                plan = make_plan(snapshot, desired)
                _print_plan(label, plan, args.dry_run)
                if not args.dry_run and not plan.empty:
                    host.apply(desired)
                    say(console, f"{label}: applied {len(plan)} change(s); the bridges match the spec")
    except Interrupted as exc:
        say(err_console, str(exc), "interrupted", "bold red")
        return exc.exit_code
    except BridgeError as exc:
        for line in str(exc).splitlines():
            say(err_console, line, "error", "bold red")
        return 1
    if files:
        _persist(args, fmt, files)
    return 0


def _apply_remote(args: argparse.Namespace, remote: RemoteHost, desired: list[BridgeConfig]) -> int:
    """``host apply`` on a host reached over SSH: the plan, the change (commit-confirmed on the host), the files.

    ``--format auto`` and ``--root`` are the host's; the files are rendered there from its addressing before the
    apply moves it, and written there.
    """
    fmt: str = args.format
    files: Files = {}
    try:
        if args.persist:
            fmt, files = remote.persist(desired, args.format, str(args.root))
        plan = remote.plan(desired)
        _print_plan(remote.label, plan, args.dry_run)
        if not args.dry_run and not plan.empty:
            done = remote.apply(desired)
            say(console, f"{remote.label}: applied {len(done)} change(s); the bridges match the spec")
        if files and args.dry_run:
            _persist(args, fmt, files)
        elif files:
            for path in remote.write_files(files, str(args.root)):
                say(console, f"wrote {path} on {remote.label}")
    except BridgeError as exc:
        for line in str(exc).splitlines():
            say(err_console, line, "error", "bold red")
        return 1
    finally:
        remote.close()
    return 0


def _notice(message: str) -> None:
    say(err_console, message, "note", "yellow")


def _note_unfinished(host: HostNetwork) -> None:
    """Dry run: say when an interrupted apply's journal waits (the real apply undoes it before planning)."""
    try:
        left = host.unfinished()
    except BridgeError:  # the journal folder is root's: without root there is nothing to say
        return
    if left is not None:
        _notice(
            f"the apply of pid {left.pid} (started {left.started_at}) has not finished: it is running now, or was "
            "killed; the next apply undoes its changes before planning, so this plan may differ"
        )


def _print_plan(label: str, plan: Plan | RemotePlan, dry_run: bool) -> None:
    if plan.empty:
        say(console, "no changes, the bridges match the spec", f"{label}:", "bold")
        return
    if dry_run:
        say(console, f"{len(plan)} change(s) would be made (dry run: nothing is changed)", f"{label}:", "bold")
    else:
        say(console, f"{len(plan)} change(s) to make", f"{label}:", "bold")
    for change in plan:
        say(console, f"  {change}")
    if dry_run:
        say(console, f"dry run: nothing was changed on {label}; run without --dry-run to apply")


def _persist(args: argparse.Namespace, fmt: str, files: Files) -> None:
    if args.dry_run:
        for rel, (text, mode) in files.items():
            console.print(f"[bold]would write {escape(str(args.root / rel))}[/] (mode {mode:o}, {fmt})")
            console.print(escape(text), markup=True)
        return
    from ..bridge.persist import write_files

    for path in write_files(args.root, files):
        say(console, f"wrote {path}")


def register_probe(hsub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``host probe``: the heartbeat path between the units' hosts, before any FortiGate exists."""
    p = hsub.add_parser("probe", help="send FGCP-like frames between the units' hosts (exit 0 pass, 1 lost frames)")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--netns", action="append", default=[], metavar="HOST=NS", help="probe HOST inside namespace NS")
    p.add_argument("--seconds", type=float, default=2.0, help="how long every host sends and listens (default 2)")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.set_defaults(func=probe)


def probe(args: argparse.Namespace) -> int:
    """Print the probe's report; exit 0 when every needed frame arrived, 1 when not, 2 on bad input."""
    from ..hostcheck.probe import run_probe

    mapping = {}
    for item in args.netns:
        host, sep, ns = item.partition("=")
        if not (sep and host and ns):
            raise SpecError([Problem("--netns", f"{item!r} is not HOST=NS")])
        mapping[host] = ns
    if not 0 < args.seconds <= 60:
        raise SpecError([Problem("--seconds", f"{args.seconds} is not between 0 and 60")])
    report = run_probe(load_spec(args.spec), mapping, args.seconds)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
        return 0 if report.ok else 1
    _print_probe(report)
    return 0 if report.ok else 1


def _print_probe(report: ProbeReport) -> None:
    """One line per path (port, direction, status), then what was lost, where, and the likely cause."""
    console.print(
        f"[bold]probe {escape(report.cluster)}[/] ({report.heartbeat} heartbeat): {len(report.paths)} path(s)"
    )
    for path in report.paths:
        arrived = sum(f.arrived for f in path.frames)
        console.print(
            f"{escape(path.port)} ({path.role}, {escape(path.bridge)}) "
            f"{escape(path.from_host)}/{escape(path.from_unit)} -> {escape(path.to_host)}/{escape(path.to_unit)}: "
            f"[{STATUS_STYLE[path.status]}]{path.status}[/], {arrived} of {len(path.frames)} frame(s) arrived"
        )
        for f in path.frames:
            if not f.arrived:
                need = "" if f.needed else " (not needed for unicast heartbeat)"
                console.print(f"  lost {f.kind} from {f.source_mac}{need}: {escape(f.lost_at or '')}")
        if path.symptom:
            console.print(f"  symptom: {escape(path.symptom)}")
        if path.cause:
            console.print(f"  likely cause: {escape(path.cause)}")
    for h in report.hosts:
        for line in [
            *([f"error: {h.error}"] if h.error else []),
            *(f"left behind: {n}" for n in h.left_behind),
            *h.notes,
        ]:
            console.print(f"[bold]{escape(h.host)}[/] {escape(line)}")
    console.print("[green]heartbeat path passes[/]" if report.ok else "[bold red]heartbeat path broken[/]")
