"""Licence files of a spec: where they may be (inside the spec's folder), what they may be, and reading them.

One check serves both `fgtha validate` (through the model's rules) and every reader (`fgtha iso`,
the constructs): a licence is a regular UTF-8 file of bounded size whose resolved path, symbolic
links followed, stays inside the folder of the spec that names it.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from .facts import FILE_NAME_MAX_BYTES, PATH_MAX_BYTES
from .loader import FileProblem, decode_utf8, read_bounded

#: Largest licence file read (a FortiGate-VM .lic is a few KiB; a FortiFlex token line is shorter).
LICENSE_MAX_BYTES = 64 * 1024


def license_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a ``license_file`` value (its form alone, no file system access), or None."""
    if not name:
        return "must not be empty"
    if any(not (c.isprintable() or c == " ") for c in name):
        return "contains a NUL, newline or another control character; give a plain relative path"
    if PurePosixPath(name).is_absolute():
        return "must be a path relative to the spec's folder (licence files stay next to the spec)"
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) > PATH_MAX_BYTES:
        return f"is {len(encoded)} bytes long; a path has at most {PATH_MAX_BYTES}"
    for part in PurePosixPath(name).parts:
        if len(part.encode("utf-8", "surrogateescape")) > FILE_NAME_MAX_BYTES:
            return f"has a file or folder name over {FILE_NAME_MAX_BYTES} bytes (the Linux limit)"
    return None


def resolve_license(source_dir: Path, name: str) -> Path:
    """The licence's real path (symbolic links resolved); :class:`FileProblem` when it leaves ``source_dir``."""
    try:
        base = source_dir.resolve()
        target = (base / name).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop, a name too long for this file system
        raise FileProblem(f"cannot resolve: {getattr(exc, 'strerror', None) or exc}") from None
    if not target.is_relative_to(base):
        raise FileProblem(
            f"resolves to {target}, outside the spec's folder {base}; keep licence files in the spec's folder"
        )
    return target


def read_license(source_dir: Path, name: str) -> str:
    """The licence text, after every check of this module; :class:`FileProblem` naming what is wrong."""
    path = resolve_license(source_dir, name)
    return decode_utf8(read_bounded(path, LICENSE_MAX_BYTES, what="licence", follow_symlinks=False))


def license_file_problem(source_dir: Path, name: str) -> tuple[bool, str] | None:
    """``(is_error, message)`` about the licence file ``name``, or None when it is usable now.

    A licence that does not exist yet is a warning (it is read when the config drive is built).
    """
    try:
        path = resolve_license(source_dir, name)
        if not os.path.lexists(path):
            return False, f"{name} does not exist yet; it is read when the config drive is built"
        read_license(source_dir, name)
    except FileProblem as exc:
        return True, exc.message
    return None
