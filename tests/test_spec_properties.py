"""Property-based tests of the model: any YAML document gives a ClusterSpec or a SpecError, never another exception.

Hypothesis generates documents three ways: arbitrary YAML data, the shipped examples with one part
replaced (a type change, a deleted or an extra key, an odd string), and arbitrary text. The time and
memory bound is checked without a timed assertion: the hostile documents that used to take minutes and
gigabytes run in a child process under hard CPU-time and address-space limits (RLIMIT_CPU, RLIMIT_AS);
exceeding either kills or fails the child, which fails the test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import yaml
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_model_rules import BROADCAST, UNICAST, example

from fgtha.spec.model import ClusterSpec, parse_spec
from fgtha.spec.problems import SpecError

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True, database=None
)

ODD_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "\x00",
            "a\nb",
            "\x1b[2J",
            "\u202e",
            '${file("/etc/passwd")}',
            "%{ for x in y }",
            "../../../etc/passwd",
            "/dev/zero",
            "x" * 300,
            "192.0.2.1",
            "192.0.2.1/33",
            "10.0.0.1/0",
            "port1",
            "true",
            "1e999",
        ]
    ),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    ODD_TEXT,
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(
            st.one_of(st.text(max_size=12), st.sampled_from(["cluster", "name", "units", "ports"])), inner, max_size=5
        ),
    ),
    max_leaves=30,
)


def outcome(text: str) -> str:
    """'spec' or 'error': anything else (another exception) propagates and fails the test."""
    try:
        parse_spec(text)
    except SpecError as exc:
        assert exc.problems, "a SpecError always carries a problem"
        for problem in exc.problems:
            assert "\x1b" not in str(problem) and "\n" not in str(problem)
        return "error"
    return "spec"


@SETTINGS
@given(DATA)
def test_any_yaml_data_gives_a_spec_or_a_spec_error(data: Any) -> None:
    outcome(yaml.safe_dump(data))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    return found


@st.composite
def mutated_examples(draw: st.DrawFn) -> dict[str, Any]:
    data = example(draw(st.sampled_from([UNICAST, BROADCAST])))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "extra"]))
        if action == "replace":
            parent[path[-1]] = draw(DATA)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = draw(DATA)
    return data


@SETTINGS
@given(mutated_examples())
def test_mutated_examples_give_a_spec_or_a_spec_error(data: dict[str, Any]) -> None:
    outcome(yaml.safe_dump(data))
    try:  # the same data built from Python, as a construct author would
        ClusterSpec.model_validate(data)
    except SpecError:
        pass


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#%@`,? \n\t\\\x00\x85\ufeff")), max_size=200))
def test_any_text_gives_a_spec_or_a_spec_error(text: str) -> None:
    outcome(text)


#: Documents that took minutes or gigabytes before the loader bounded them (issue 12).
BOUNDED = r"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from fgtha.spec.model import parse_spec
from fgtha.spec.problems import SpecError
bomb = ['l0: &l0 [' + ','.join(['"x"'] * 10) + ']']
bomb += [f'l{i}: &l{i} [' + ','.join([f'*l{i - 1}'] * 10) + ']' for i in range(1, 10)]
documents = {
    "alias bomb": "\n".join(bomb),
    "50 MiB comment": "# " + "x" * (50 << 20),
    "10^6 list entries": "cluster:\n" + "  - 1\n" * 10**6,
    "depth 1000 flow": "a: " + "[" * 1000 + "]" * 1000,
    "depth 1000 block": "".join(" " * i + "a:\n" for i in range(1000)) + " " * 1000 + "b",
    "10^6 unknown keys": "".join(f"k{i}: 1\n" for i in range(10**6)),
}
results = {}
for name, text in documents.items():
    try:
        parse_spec(text)
        results[name] = "spec"
    except SpecError as exc:
        results[name] = f"error: {len(exc.problems)}"
print(json.dumps(results))
"""


def test_hostile_documents_stay_within_a_time_and_memory_bound() -> None:
    done = subprocess.run([sys.executable, "-c", BOUNDED], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)
    assert set(results) == {
        "alias bomb",
        "50 MiB comment",
        "10^6 list entries",
        "depth 1000 flow",
        "depth 1000 block",
        "10^6 unknown keys",
    }
    assert all(value == "error: 1" for value in results.values()), results
