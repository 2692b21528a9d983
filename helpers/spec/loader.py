"""Reading spec and licence files safely: bounded size, regular files only, UTF-8, and YAML bounded in shape.

A spec is untrusted input. Files are opened without blocking (a FIFO or a device never hangs a
run), must be regular files of bounded size and UTF-8 text. YAML is parsed with libyaml's safe
loader where present; before any Python object is built, one pass over the parser's events bounds
the nesting depth and the number of nodes *after* alias expansion (a small file cannot expand to
millions of nodes), and one pass over the composed nodes refuses duplicate and non-text keys.
Messages name a line and a field path, never more than a short, escaped excerpt of the file.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem, SpecError, format_path, printable

#: Largest spec file read (a four-unit spec is a few KiB).
SPEC_MAX_BYTES = 1024 * 1024
#: Deepest nesting of YAML collections accepted (a spec nests five levels).
YAML_MAX_DEPTH = 32
#: Most YAML nodes accepted, counting every alias as the nodes it expands to.
YAML_MAX_NODES = 20_000

#: What a field name looks like; any other key is refused without being echoed (it may be a line of a secret file).
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SpecLoader(_Base):  # type: ignore[misc]
    """YAML's safe loader (libyaml's C implementation when installed): plain data only, no Python objects."""


#: Whether the C (libyaml) loader is in use.
USES_LIBYAML = _Base is not yaml.SafeLoader


class FileProblem(Exception):
    """A file cannot be used; ``message`` says why (no file content in it)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_bounded(path: str | Path, limit: int, *, what: str = "file", follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; :class:`FileProblem` otherwise.

    Opened non-blocking (a FIFO does not wait for a writer) and, unless ``follow_symlinks``, refusing
    a symbolic link as the last component.
    """
    flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except ValueError:
        raise FileProblem("cannot read: the path contains a NUL character") from None
    except OSError as exc:
        raise FileProblem(f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem(f"is not a regular file (a {_kind(info.st_mode)}); give a {what} file")
        if info.st_size > limit:
            raise FileProblem(f"is {info.st_size} bytes; a {what} file is at most {limit} bytes")
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise FileProblem(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise FileProblem(f"grew beyond {limit} bytes while it was read; a {what} file is at most {limit} bytes")
    return data


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "folder"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return name
    return "special file"


def decode_utf8(data: bytes) -> str:
    """``data`` as UTF-8 text; :class:`FileProblem` naming the first bad byte's line and offset."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileProblem(
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}, line {line}); save it as UTF-8"
        ) from None


def read_spec_text(path: str | Path) -> str:
    """The text of a spec file; :class:`SpecError` naming the file when it cannot be used."""
    try:
        return decode_utf8(read_bounded(path, SPEC_MAX_BYTES, what="spec"))
    except FileProblem as exc:
        raise SpecError([Problem(str(path), exc.message)]) from None


def load_yaml(text: str, source: str = "<spec>") -> Any:
    """One YAML document as plain data, bounded in depth and expanded size; :class:`SpecError` otherwise."""
    try:
        _check_shape(text, source)
        loader = SpecLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_keys(node, source)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise SpecError([Problem(where, f"not valid YAML: {exc.problem or exc.context}")]) from None
    except yaml.YAMLError as exc:
        raise SpecError([Problem(source, f"not valid YAML: {printable(str(exc), 120)}")]) from None
    except (ValueError, TypeError, OverflowError) as exc:  # a tagged value Python cannot build (!!timestamp 2001-13-45)
        raise SpecError(
            [Problem(source, f"not valid YAML: a value cannot be built: {printable(str(exc), 120)}")]
        ) from None


def _check_shape(text: str, source: str) -> None:
    """Bound nesting depth and node count (aliases counted as what they expand to) from parser events only."""
    anchors: dict[str, int] = {}
    stack: list[list[Any]] = []  # [expanded node count so far, anchor] per open collection
    total = 0

    def finish(size: int, anchor: str | None, event: Any) -> None:
        nonlocal total
        if anchor:
            anchors[anchor] = size
        if stack:
            stack[-1][0] += size
            count = stack[-1][0]
        else:
            total += size
            count = total
        if count > YAML_MAX_NODES:
            raise SpecError(
                [
                    Problem(
                        f"{source}:{event.start_mark.line + 1}",
                        f"the document expands to more than {YAML_MAX_NODES} YAML nodes (aliases counted as what "
                        "they repeat); a spec is far smaller",
                    )
                ]
            )

    for event in yaml.parse(text, Loader=SpecLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append([1, event.anchor])
            if len(stack) > YAML_MAX_DEPTH:
                raise SpecError(
                    [
                        Problem(
                            f"{source}:{event.start_mark.line + 1}",
                            f"nested more than {YAML_MAX_DEPTH} levels deep; a spec nests a few levels",
                        )
                    ]
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            size, anchor = stack.pop()
            finish(size, anchor, event)
        elif isinstance(event, yaml.ScalarEvent):
            finish(1, event.anchor, event)
        elif isinstance(event, yaml.AliasEvent):
            finish(anchors.get(event.anchor, 1), None, event)


def _check_keys(root: yaml.Node, source: str) -> None:
    """Refuse duplicate keys and keys that are not field names, naming the field path and the lines."""
    problems: list[tuple[int, Problem]] = []
    seen: set[int] = set()
    todo: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(root, ())]
    while todo:
        node, loc = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            todo.extend((child, (*loc, i)) for i, child in reversed(list(enumerate(node.value))))
        elif isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            children = []
            for key, value in node.value:
                line = key.start_mark.line + 1
                if key.tag == _MERGE_TAG:
                    children.append((value, loc))
                elif not (isinstance(key, yaml.ScalarNode) and key.tag == _STR_TAG):
                    shown = printable(str(key.value), 20) if isinstance(key, yaml.ScalarNode) else "a collection"
                    problems.append(
                        (
                            line,
                            Problem(
                                format_path(loc),
                                f"line {line}: the key {shown} is not text; field names are words such as 'name'",
                            ),
                        )
                    )
                elif not _FIELD_NAME.match(key.value):
                    problems.append(
                        (line, Problem(format_path(loc), f"line {line}: a key that is not a field name (not shown)"))
                    )
                elif key.value in first:
                    problems.append(
                        (
                            line,
                            Problem(
                                format_path((*loc, key.value)),
                                f"line {line}: duplicate key (first at line {first[key.value]}); give each field once",
                            ),
                        )
                    )
                else:
                    first[key.value] = line
                    children.append((value, (*loc, key.value)))
            todo.extend(reversed(children))
    if problems:
        raise SpecError([problem for _, problem in sorted(problems, key=lambda found: found[0])])
