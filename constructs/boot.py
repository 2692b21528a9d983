"""Which CDK runtime the project uses, and starting its Node.js side early, in the background.

A CDK app in Python spends its first ~0.35 s waiting: jsii starts Node.js, which loads its runtime
(~0.2 s), then the ``constructs`` and ``cdktf`` assemblies (~0.13 s). Python is idle meanwhile.
:func:`start` begins that in a background thread (jsii's own kernel: the same process and the same
loads the import would make), so the app's other imports and its spec checks run alongside;
:mod:`fgtha_constructs.cdk` calls :func:`wait` before it imports the runtime, whose own loads then
find the assemblies in place (jsii answers a repeated load of the same version without loading again).

Nothing here imports the runtime's Python package. Once jsii is imported, :func:`start` does nothing:
someone may be using its kernel, which takes one request at a time. If the early start fails, :func:`wait` returns
all the same and the runtime's import starts Node.js as it always does (and reports any error there).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from pathlib import Path

RUNTIME_ENV = "FGTHA_CDK"
RUNTIMES = ("cdktf", "cdktn")
#: The jsii assemblies a runtime needs, dependencies first.
_ASSEMBLIES = ("constructs",)

_started: threading.Thread | None = None


def runtime_name() -> str:
    """``FGTHA_CDK`` when set (``cdktf`` or ``cdktn``), else the first of them that is installed."""
    chosen = os.environ.get(RUNTIME_ENV)
    if chosen and chosen not in RUNTIMES:
        raise ImportError(f"{RUNTIME_ENV}={chosen!r}: choose one of {', '.join(RUNTIMES)}")
    for name in (chosen,) if chosen else RUNTIMES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ImportError(f"neither {' nor '.join(RUNTIMES)} is installed" if not chosen else f"{chosen} is not installed")


def _tarballs(packages: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """``(name, version, path)`` of each package's ``_jsii/<name>@<version>.jsii.tgz``, without importing it."""
    found = []
    for package in packages:
        spec = importlib.util.find_spec(package)
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        tarballs = [t for folder in locations for t in Path(folder, "_jsii").glob(f"{package}@*.jsii.tgz")]
        if len(tarballs) != 1:
            return []  # not the layout jsii-pacmak writes: leave the loads to the import
        found.append((package, tarballs[0].name.removesuffix(".jsii.tgz").split("@", 1)[1], str(tarballs[0])))
    return found


def _load(assemblies: list[tuple[str, str, str]]) -> None:
    try:
        from jsii._runtime import kernel

        for name, version, tarball in assemblies:
            kernel.load(name, version, tarball)
    except Exception:  # the runtime's import repeats these steps and reports what fails
        return


def start() -> None:
    """Start Node.js and load the runtime's assemblies in a background thread (once per process)."""
    global _started
    if _started is not None or "jsii" in sys.modules:
        return  # started already, or jsii is in use: its kernel takes one request at a time
    try:
        assemblies = _tarballs((*_ASSEMBLIES, runtime_name()))
        import jsii._runtime  # noqa: F401  imported here, so that the thread imports nothing
    except ImportError:
        return
    if not assemblies:
        return
    _started = threading.Thread(target=_load, args=(assemblies,), name="fgtha-cdk-boot", daemon=True)
    _started.start()


def wait() -> None:
    """Return once an early start (if any) is done; the runtime may be imported then."""
    if _started is not None:
        _started.join()
