"""The product's app entry point: every cluster spec of the site, each with its own stacks, into cdktf.out/.

A site's ``main.py`` is three lines::

    from fgtha_stacks.app import run

    run(__file__)

(``raise SystemExit(main(__file__))`` does the same, and leaves through Python's full teardown: see :func:`run`.)

``python main.py`` and ``cdktf synth`` then read ``cdktf.json`` ``context.fgtha`` (:mod:`fgtha.project`),
load every spec it lists (``FGTHA_SPECS`` overrides), check them alone and together (cluster names,
group-ids per L2 segment), and synthesize. A bad spec or setting prints the ``path: message`` lines of
``fgtha validate`` and exits 2, before anything is written.
"""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

# Not used here: what the constructs use besides the CDK runtime (about 40 ms of imports), imported now,
# while Node.js boots, rather than after it, with the constructs
import fgtha.bridge  # noqa: F401
import fgtha.configdrive  # noqa: F401
import fgtha.fortios.bootstrap  # noqa: F401
import fgtha.fortios.forms  # noqa: F401
import fgtha.fortios.secrets  # noqa: F401
from fgtha.cli import err_console, report_spec_error
from fgtha.commands.spec import check_specs
from fgtha.project import CONFIG_FILE, ProjectConfig, allow_destroy, find_root, load_config, spec_files, spec_patterns
from fgtha.spec.model import ClusterSpec
from fgtha.spec.problems import SpecError

if TYPE_CHECKING:
    from fgtha_constructs.cdk import App

    from .cluster_stacks import ClusterStacks

# The CDK runtime is imported only once the specs are checked: its Node.js side boots meanwhile
# (started by this package's __init__).

#: cdktf-cli passes the output folder in this variable; without it, cdktf.out/ in the repository.
OUTDIR_ENV = "CDKTF_OUTDIR"


def private_folder(path: Path) -> Path:
    """``path`` created (with parents) and set to mode 0700: it will hold state or plans, which hold secrets."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def build(app: App, specs: dict[str, ClusterSpec], config: ProjectConfig) -> dict[str, ClusterStacks]:
    """Add every cluster's stacks to ``app``, with the site's state backend."""
    from .cluster_stacks import StackOptions, add_cluster

    options = StackOptions(state=config.state, allow_destroy=allow_destroy(config))
    return {path: add_cluster(app, spec, options) for path, spec in specs.items()}


def _settings(root: Path) -> tuple[ProjectConfig, list[Path]] | None:
    try:
        config = load_config(root)
        return config, spec_files(root, spec_patterns(config))
    except SpecError as exc:
        err_console.print(f"[bold]{CONFIG_FILE}[/]: invalid")
        report_spec_error(exc)
        return None


def main(entry: str | Path | None = None) -> int:
    """Synthesize the site whose repository holds ``entry`` (a site's ``main.py``; default: the working folder).

    Returns the exit code: 0 synthesized, 2 a spec or setting is invalid (nothing written).
    """
    root = find_root(Path(entry).resolve().parent if entry else None)
    os.chdir(root)  # specs, state and cdktf.out are relative to the repository, as cdktf-cli runs the app
    found = _settings(root)
    if found is None:
        return 2
    config, files = found
    specs = check_specs([str(f.relative_to(root)) if f.is_relative_to(root) else str(f) for f in files], show_ok=False)
    if specs is None:
        return 2
    from fgtha_constructs.cdk import App

    # absolute: the jsii runtime (Node) started before the chdir and resolves relative paths from its own folder
    app = App(outdir=str(private_folder(Path(os.environ.get(OUTDIR_ENV, "cdktf.out")).resolve())))
    try:
        build(app, specs, config)
    except SpecError as exc:
        err_console.print(f"[bold]{CONFIG_FILE}[/]: invalid for these specs")
        report_spec_error(exc)
        return 2
    if config.state.local_dir is not None:
        private_folder(Path(config.state.local_dir))
    app.synth()
    return 0


def run(entry: str | Path | None = None) -> NoReturn:
    """``python main.py``: :func:`main`, then the exit handlers, then the exit, without Python's teardown.

    When synth returns, everything is written: Node.js writes and closes ``cdktf.out`` during synth.
    Python's teardown would then free every module and object of the run one by one (about 90 ms after
    a synth, measured against ``os._exit``), which the system does at once. The exit handlers still run
    (jsii stops Node.js and removes its runtime's temporary folder, logging flushes), and so does the
    flush of stdout and stderr. An exception from :func:`main` leaves the usual way, traceback included.
    """
    code = main(entry)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or gone: Python's own exit would not write it either
            pass
    os._exit(code)
