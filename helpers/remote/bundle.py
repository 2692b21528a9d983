"""The zip the host side runs from: the shipped part of the helper library and PyYAML (sources only)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from pathlib import Path

#: What of ``fgtha`` the host side needs: a folder ships every module under it, a file itself.
SHIPPED = (
    "__init__.py",
    "atomicfile.py",
    "bridge/",
    "hostcheck/__init__.py",
    "hostcheck/frames.py",
    "hostcheck/probe_host.py",
    "hostcheck/remote_ops.py",
    "spec/__init__.py",
    "spec/facts.py",
    "spec/names.py",
    "remote/__init__.py",
    "remote/protocol.py",
    "remote/identity.py",
    "remote/server.py",
    "remote/confirm.py",
    "remote/operations.py",
    "remote/hostcheck_ops.py",
    "hostcheck/check.py",
)
#: Third-party packages shipped whole (pure Python); PyYAML's C extension is left out, it falls back by itself.
THIRD_PARTY = ("yaml",)
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # identical content, identical zip, identical SHA-256


@dataclass(frozen=True)
class Bundle:
    """A zip's bytes and their SHA-256 (the host caches bundles by it)."""

    data: bytes
    sha256: str


def shipped_files() -> list[tuple[str, Path]]:
    """``(name in the zip, file)`` for every module that travels, sorted."""
    fgtha = Path(import_module("fgtha").__file__ or "").parent
    files: list[tuple[str, Path]] = []
    for item in SHIPPED:
        path = fgtha / item
        found = sorted(path.rglob("*.py")) if item.endswith("/") else [path]
        files += [(f"fgtha/{p.relative_to(fgtha)}", p) for p in found]
    for package in THIRD_PARTY:
        root = Path(import_module(package).__file__ or "").parent
        files += [(f"{package}/{p.relative_to(root)}", p) for p in sorted(root.rglob("*.py"))]
    return sorted(files)


@cache
def build() -> Bundle:
    """The bundle of this installation (built once per process)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, path in shipped_files():
            info = zipfile.ZipInfo(name, _FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    data = out.getvalue()
    return Bundle(data, hashlib.sha256(data).hexdigest())


def loader_source() -> str:
    """The program the host runs first (see ``loader.py``)."""
    return (Path(__file__).parent / "loader.py").read_text()
