"""Mutate cluster specs and count what `fgtha validate`, `render` and `iso` do with them: tracebacks, hangs, slow runs.

Not a speed bench (bench/run.py does not run it): a robustness measure for issue 12. Each case is a
shipped example with a few random changes (type changes, deleted and extra keys, odd strings), or a
file-level case (non-UTF-8, alias expansion, deep nesting, huge files, duplicate keys, special files,
hostile licence files). Every case runs in this process through ``fgtha.cli.main`` with its output
captured; a case counts as

- a traceback when an exception other than a clean exit leaves ``main`` (MemoryError included: the
  process runs under an address-space limit), or the exit code is not 0, 1 or 2;
- a hang when it takes more than ``--hang`` seconds (it is interrupted by SIGALRM there);
- dirty output when raw ESC characters reach the output or more than 60 problem lines are printed.

Run: .venv/bin/python bench/fuzz_spec.py [--cases 3000] [--seed 12]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import os
import random
import resource
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
SECRETS = {"TF_VAR_fgt_ha_password": "fuzz-ha-pw", "TF_VAR_fgt_admin_password": "fuzz-admin-pw"}

ODD_STRINGS = [
    "",
    " ",
    "\x00",
    "a\nset password EVIL\nend",
    "a\rb",
    "\x1b[2J\x1b]0;owned\x07",
    "\u202eevil",
    "\ufeff",
    '${file("/etc/hostname")}',
    "%{ for x in [1] }x%{ endfor }",
    '"quoted"',
    "back\\slash",
    "../../../etc/passwd",
    "/etc/shadow",
    "/proc/self/environ",
    "/dev/zero",
    "x" * 300,
    "c" * 10_000,
    "192.0.2.11",
    "192.0.2.11/33",
    "10.255.0.1/30",
    "0.0.0.0/0",
    "::1/128",
    "port1",
    "br-ext",
    "true",
    "1e999",
    "ünïcødé",
]
ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2,
    255,
    1023,
    4096,
    10**6,
    10**24,
    2**64,
    1.5,
    float("inf"),
    float("nan"),
    [],
    {},
    [1, 2],
    {"a": 1},
    3221225995,
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def _odd_value(rng: random.Random) -> Any:
    return rng.choice(ODD_STRINGS) if rng.random() < 0.5 else copy.deepcopy(rng.choice(ODD_VALUES))


def mutate(data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The spec with one to four random changes: replace a value, delete a key, add a key, duplicate an item."""
    data = copy.deepcopy(data)
    for _ in range(rng.randint(1, 4)):
        path = rng.choice(list(_paths(data)))
        parent: Any = data
        for step in path[:-1]:
            parent = parent[step]
        action = rng.choice(["replace", "replace", "delete", "extra", "duplicate"])
        if action == "replace":
            parent[path[-1]] = _odd_value(rng)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "extra" and isinstance(parent, dict):
            parent[rng.choice(["colour", "extra", "name", "x" * 50, "\x1b[31mkey", "\x1b]0;owned\x07k"])] = _odd_value(
                rng
            )
        elif action == "duplicate" and isinstance(parent, list) and parent:
            parent.append(copy.deepcopy(parent[path[-1]]))
    return data


def file_cases(folder: Path, good: str) -> list[tuple[str, Callable[[], Path]]]:
    """File-level cases: each builds a spec (and maybe licences) in ``folder`` and returns the spec path."""

    def text(name: str, content: str | bytes) -> Callable[[], Path]:
        def build() -> Path:
            path = folder / name
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
            return path

        return build

    def licence(name: str, setup: Callable[[Path], None]) -> Callable[[], Path]:
        def build() -> Path:
            setup(folder)
            data = yaml.safe_load(good)
            data["units"][0]["license_file"] = name
            path = folder / "spec-licence.yaml"
            path.write_text(yaml.safe_dump(data))
            return path

        return build

    def link(name: str, target: str) -> Callable[[Path], None]:
        def setup(f: Path) -> None:
            with contextlib.suppress(FileNotFoundError):
                (f / name).unlink()
            (f / name).symlink_to(target)

        return setup

    def fifo(f: Path) -> None:
        if not (f / "fifo.lic").exists():
            os.mkfifo(f / "fifo.lic")

    bomb = ["l0: &l0 [" + ",".join(['"x"'] * 10) + "]"]
    bomb += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 10)]
    # the same expansion inside a field the model reads (10^6 monitored ports, then flattened by YAML merge)
    monitor_bomb = good.replace("  monitor: [port1, port2]\n", "  monitor: *m5\n")
    monitor_bomb = (
        "m0: &m0 ["
        + ",".join(["port1"] * 10)
        + "]\n"
        + "".join(f"m{i}: &m{i} [" + ",".join([f"*m{i - 1}"] * 10) + "]\n" for i in range(1, 6))
        + monitor_bomb
    )

    def shadow(f: Path) -> Path:
        (f / "shadow").write_text("".join(f"user{i}:$6$HASH{i}:19000:0:99999:7:::\n" for i in range(50)))
        with contextlib.suppress(FileNotFoundError):
            (f / "shadow.yaml").unlink()
        (f / "shadow.yaml").symlink_to(f / "shadow")
        return f / "shadow.yaml"

    def spec_fifo() -> Path:
        if not (folder / "fifo.yaml").exists():
            os.mkfifo(folder / "fifo.yaml")
        return folder / "fifo.yaml"

    return [
        ("latin-1 spec", text("latin.yaml", good.replace("fgt-ha", "f\xe9t").encode("latin-1"))),
        ("alias bomb", text("bomb.yaml", "\n".join(bomb))),
        ("alias bomb in cluster.monitor", text("monitor-bomb.yaml", monitor_bomb)),
        ("depth 1000", text("deep.yaml", "a: " + "[" * 1000 + "]" * 1000)),
        ("50 MiB comment", text("comment.yaml", good + "# " + "x" * (50 << 20))),
        ("10^6 list entries", text("list.yaml", "cluster:\n" + "  - 1\n" * 10**6)),
        ("duplicate keys", text("dup.yaml", good.replace("  group_id: 10\n", "  group_id: 10\n  group_id: 11\n"))),
        ("non-text keys", text("keys.yaml", good.replace("  group_id: 10\n", "  group_id: 10\n  5: x\n"))),
        ("/dev/zero as spec", lambda: Path("/dev/zero")),
        ("FIFO as spec", spec_fifo),
        ("spec symlinked to a shadow file", lambda: shadow(folder)),
        ("latin-1 licence", licence("latin.lic", lambda f: (f / "latin.lic").write_bytes(b"LICENSE-TOKEN:caf\xe9\n"))),
        ("NUL in licence path", licence("a\x00b.lic", lambda f: None)),
        ("/dev/zero licence", licence("/dev/zero", lambda f: None)),
        ("symlink to /dev/zero licence", licence("zero.lic", link("zero.lic", "/dev/zero"))),
        ("symlink to /etc/shadow licence", licence("shadow.lic", link("shadow.lic", "/etc/shadow"))),
        ("/proc/self/environ licence", licence("env.lic", link("env.lic", "/proc/self/environ"))),
        ("FIFO licence", licence("fifo.lic", fifo)),
        ("300-byte licence name", licence("l" * 300 + ".lic", lambda f: None)),
        ("../ licence", licence("../../../../etc/passwd", lambda f: None)),
    ]


class Hang(Exception):
    """The case ran past the hang limit."""


def _alarm(signum: int, frame: Any) -> None:
    raise Hang


def run_case(argv: list[str], hang: float) -> tuple[str, float, str]:
    """('ok' | 'traceback' | 'hang' | 'dirty', seconds, detail) of one in-process CLI run."""
    from fgtha.cli import main

    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, hang)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except Hang:
        return "hang", time.perf_counter() - start, ""
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException as exc:  # noqa: BLE001 - counting exactly these is the point
        signal.setitimer(signal.ITIMER_REAL, 0)
        return "traceback", time.perf_counter() - start, "".join(traceback.format_exception_only(exc)).strip()[:200]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    elapsed = time.perf_counter() - start
    text = out.getvalue() + err.getvalue()
    if code not in (0, 1, 2) or "Traceback" in text:
        return "traceback", elapsed, f"exit {code}"
    if "\x1b" in text or text.count("\nerror ") > 60:
        return "dirty", elapsed, "raw ESC or uncapped problems in the output"
    return "ok", elapsed, ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=3000, help="mutated specs to try (file-level cases come on top)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--hang", type=float, default=10.0, help="seconds after which a case counts as a hang")
    parser.add_argument("--memory-gib", type=float, default=2.0, help="address-space limit of this process")
    args = parser.parse_args()
    limit = int(args.memory_gib * (1 << 30))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGALRM, _alarm)
    os.environ.update(SECRETS)
    rng = random.Random(args.seed)
    bases = [yaml.safe_load(p.read_text()) for p in EXAMPLES]
    counts: Counter[str] = Counter()
    slowest = (0.0, "")
    examples: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="fgtha-fuzz-") as tmp:
        folder = Path(tmp)
        cases: list[tuple[str, Callable[[], Path]]] = file_cases(folder, EXAMPLES[-1].read_text())
        for i in range(args.cases):
            data = mutate(rng.choice(bases), rng)

            def build(data: dict[str, Any] = data, i: int = i) -> Path:
                path = folder / f"case{i % 50}.yaml"
                path.write_text(yaml.safe_dump(data, allow_unicode=False))
                return path

            cases.append((f"mutation {i}", build))
        for name, build in cases:
            try:
                spec = str(build())
            except (OSError, ValueError, yaml.YAMLError) as exc:
                counts["not built"] += 1
                examples.setdefault("not built", []).append(f"{name}: {exc}")
                continue
            commands = [["validate", spec], ["render", spec, "--redact"]]
            if not name.startswith("mutation") or rng.random() < 0.05:
                commands.append(["iso", spec, "--unit", "fgt-a", "--output", str(folder / "out.iso")])
            for argv in commands:
                verdict, seconds, detail = run_case(argv, args.hang)
                counts["runs"] += 1
                counts[verdict] += 1
                if verdict != "ok":
                    examples.setdefault(verdict, []).append(f"{name} ({argv[0]}): {detail}")
                if seconds > slowest[0]:
                    slowest = (seconds, f"{name} ({argv[0]})")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"cases: {len(cases)} ({args.cases} mutated specs + {len(cases) - args.cases} file-level), seed {args.seed}")
    print(f"CLI runs: {counts['runs']} (validate, render --redact, and iso for file-level cases and 5% of the rest)")
    print(f"tracebacks: {counts['traceback']}")
    print(f"hangs (> {args.hang:g} s): {counts['hang']}")
    print(f"dirty output: {counts['dirty']}")
    print(
        f"slowest run: {slowest[0]:.2f} s ({slowest[1]}); peak RSS {peak_mib:.0f} MiB (limit {args.memory_gib:g} GiB)"
    )
    for verdict, lines in examples.items():
        print(f"\n{verdict}:")
        for line in lines[:15]:
            print(f"  {line}")
        if len(lines) > 15:
            print(f"  ... and {len(lines) - 15} more")
    return 0 if counts["traceback"] == counts["hang"] == counts["dirty"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
