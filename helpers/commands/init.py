"""`fgtha init DIR`: a ready repository for one site (specs, cdktf.json, main.py, CI workflows)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.markup import escape

from ..cli import command_help, err_console
from ..scaffold import SiteOptions, site_files, write_site
from ..spec.model import parse_spec
from ..spec.problems import Problem, SpecError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the init command."""
    p = sub.add_parser(
        "init",
        help=command_help("init"),
        description="Without --shape on a terminal, a few questions choose the starting spec.",
    )
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("--shape", choices=("unicast", "broadcast"), help="the starting spec's shape (default unicast)")
    p.add_argument(
        "--force", action="store_true", help="write into a non-empty DIR (files of the same name are replaced)"
    )
    p.set_defaults(func=init)


def _ask(question: str, default: str) -> str:
    answer = input(f"{question} [{default}]: ").strip()
    return answer or default


def _prompted() -> SiteOptions:
    """The starting spec from a few questions (Enter keeps the shown default)."""
    shape = _ask("heartbeat: unicast (two hosts) or broadcast (one host)", "unicast")
    if shape not in ("unicast", "broadcast"):
        raise SpecError([Problem("heartbeat", f"{shape!r}: answer unicast or broadcast")])
    base = SiteOptions(shape=shape).resolved()  # type: ignore[arg-type]
    name = _ask("cluster name", base.name)
    group = _ask("FGCP group-id (unique per L2 segment)", str(base.group_id))
    if not group.isdigit():
        raise SpecError([Problem("cluster.group_id", f"{group!r} is not a number")])
    hosts = tuple(_ask(f"KVM host {i + 1}", h) for i, h in enumerate(base.hosts))
    ips = (_ask("management address of fgt-a", base.mgmt_ips[0]), _ask("management address of fgt-b", base.mgmt_ips[1]))
    gateway = _ask("management gateway", base.gateway)
    return SiteOptions(shape=base.shape, name=name, group_id=int(group), hosts=hosts, mgmt_ips=ips, gateway=gateway)


def init(args: argparse.Namespace) -> int:
    """Check DIR, choose the starting spec, check it, then write every file."""
    folder: Path = args.dir
    if folder.exists() and not folder.is_dir():
        raise SpecError([Problem("DIR", f"{folder} exists and is not a folder")])
    if folder.is_dir() and any(folder.iterdir()) and not args.force:
        raise SpecError([Problem("DIR", f"{folder} is not empty: choose an empty folder, or pass --force")])
    interactive = args.shape is None and sys.stdin.isatty() and sys.stdout.isatty()
    options = _prompted() if interactive else SiteOptions(shape=args.shape or "unicast")
    resolved = options.resolved()
    spec_path = f"clusters/{resolved.name}.yaml"
    parse_spec(site_files(folder.resolve().name, options)[spec_path], source=spec_path)  # refuses bad answers
    try:
        written = write_site(folder, options)
    except OSError as exc:
        err_console.print(f"[bold red]error[/] DIR: cannot write {escape(str(folder))}: {exc.strerror or exc}")
        return 1
    for path in written:
        print(f"wrote {path}")
    print(f"next: cd {folder} && make synth   (then commit, and set up CI as README.md says)")
    return 0
