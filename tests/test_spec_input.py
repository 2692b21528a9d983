"""Hostile spec files and licence files: bounded reading, safe YAML, licences inside the spec's folder (issue 12)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES
from test_model_rules import UNICAST, example, mutate

from fgtha.spec import loader
from fgtha.spec.licence import LICENSE_MAX_BYTES
from fgtha.spec.loader import SPEC_MAX_BYTES, YAML_MAX_DEPTH, YAML_MAX_NODES, SpecLoader
from fgtha.spec.model import ClusterSpec, load_spec, parse_spec
from fgtha.spec.problems import SpecError, printable

GOOD = (EXAMPLES / f"{UNICAST}.yaml").read_text()


class PurePythonLoader(yaml.SafeLoader):
    """PyYAML's own safe loader: every bound must hold without libyaml too."""


@pytest.fixture(params=["libyaml", "python"])
def yaml_loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "python":
        monkeypatch.setattr(loader, "SpecLoader", PurePythonLoader)
    yield request.param


def problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse_spec(text, source="spec.yaml")
    return [str(p) for p in info.value.problems]


def test_libyaml_is_used_when_installed() -> None:
    assert loader.USES_LIBYAML and issubclass(SpecLoader, yaml.CSafeLoader)
    assert parse_spec(GOOD).cluster.name == "fgt-ha"


def alias_bomb(levels: int = 9) -> str:
    lines = ['l0: &l0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (alias_bomb(), f"expands to more than {YAML_MAX_NODES} YAML nodes"),
        ("cluster:\n" + "".join(f"  - {i}\n" for i in range(YAML_MAX_NODES + 1)), "expands to more than"),
        ("a: " + "[" * 1000 + "]" * 1000 + "\n", "nest"),
        ("".join(" " * i + "a:\n" for i in range(YAML_MAX_DEPTH + 5)) + " " * 40 + "b\n", "nested more than 32 levels"),
        ("- " * 1000 + "x\n", "nested more than 32 levels"),
        ("cluster: !!int twelve\n", "not valid YAML"),
        ("cluster: !!timestamp 2001-13-45\n", "not valid YAML"),
        ("cluster: !!python/object/apply:os.system [true]\n", "not valid YAML"),
        ("a: *nowhere\n", "not valid YAML"),
        ("group_id: 1" + "0" * 5000 + "\n", "not valid YAML"),
        ("a: 1\n---\nb: 2\n", "not valid YAML"),
    ],
    ids=[
        "alias-bomb",
        "many-nodes",
        "flow-depth-1000",
        "block-depth",
        "seq-depth-1000",
        "int-tag",
        "timestamp",
        "python-tag",
        "undefined-alias",
        "huge-int",
        "two-documents",
    ],
)
def test_yaml_that_would_blow_up_is_one_clear_problem(yaml_loader: str, text: str, fragment: str) -> None:
    found = problems(text)
    assert len(found) == 1 and fragment in found[0], found


def test_duplicate_keys_are_refused_with_their_lines(yaml_loader: str) -> None:
    text = GOOD.replace("  group_id: 10\n", "  group_id: 10\n  group_id: 11\n")
    text += "secrets:\n  ha_password: {env: OTHER}\n  admin_password: {env: OTHER2}\n"
    assert problems(text) == [
        "cluster.group_id: line 5: duplicate key (first at line 4); give each field once",
        "secrets: line 51: duplicate key (first at line 48); give each field once",
    ]


def test_merge_keys_are_not_duplicates(yaml_loader: str) -> None:
    text = GOOD.replace("units:\n  - name: fgt-a\n", "units:\n  - &a\n    name: fgt-a\n").replace(
        "  - name: fgt-b\n    host: kvm2\n", "  - <<: *a\n    name: fgt-b\n    host: kvm2\n"
    )
    spec = parse_spec(text)
    assert spec.units[1].name == "fgt-b" and spec.units[1].vcpu == 2


def test_keys_that_are_not_text_name_the_field_path(yaml_loader: str) -> None:
    text = GOOD.replace("  group_id: 10\n", "  group_id: 10\n  5: x\n").replace(
        "    host: kvm2\n", "    host: kvm2\n    true: 1\n"
    )
    assert problems(text) == [
        "cluster: line 5: the key 5 is not text; field names are words such as 'name'",
        "units[1]: line 44: the key true is not text; field names are words such as 'name'",
    ]


def test_a_spec_file_must_be_a_small_regular_utf8_file(tmp_path: Path) -> None:
    def load(path: Path | str) -> list[str]:
        with pytest.raises(SpecError) as info:
            load_spec(path)
        return [str(p) for p in info.value.problems]

    latin = tmp_path / "latin.yaml"
    latin.write_bytes(GOOD.replace("fgt-ha", "f\xe9t").encode("latin-1"))
    assert load(latin) == [f"{latin}: is not UTF-8 text (byte 0xe9 at offset 101, line 3); save it as UTF-8"]
    big = tmp_path / "big.yaml"
    big.write_text(GOOD + "#" * SPEC_MAX_BYTES)
    assert load(big) == [f"{big}: is {big.stat().st_size} bytes; a spec file is at most {SPEC_MAX_BYTES} bytes"]
    assert load("/dev/zero") == ["/dev/zero: is not a regular file (a character device); give a spec file"]
    assert load(tmp_path) == [f"{tmp_path}: is not a regular file (a folder); give a spec file"]
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)  # no writer: a blocking open would wait forever
    assert load(fifo) == [f"{fifo}: is not a regular file (a FIFO); give a spec file"]
    assert load(tmp_path / "gone.yaml") == [f"{tmp_path / 'gone.yaml'}: cannot read: No such file or directory"]


def test_a_spec_symlinked_to_a_secret_file_never_shows_its_content(tmp_path: Path) -> None:
    secret = tmp_path / "shadow"
    secret.write_text("".join(f"user{i}:$6$SECRETHASH{i}$abc:19000:0:99999:7:::\n" for i in range(40)))
    (tmp_path / "spec.yaml").symlink_to(secret)
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path / "spec.yaml")
    assert "SECRETHASH" not in str(info.value) and "user" not in str(info.value)
    assert [str(p) for p in info.value.problems[:2]] == [
        "(spec): line 1: a key that is not a field name (not shown)",
        "(spec): line 2: a key that is not a field name (not shown)",
    ]


def test_problem_text_is_escaped_and_bounded() -> None:
    data = mutate(UNICAST, {"cluster.name": "\x1b[2J\x1b]0;owned\x07" + "n" * 500})
    data["cluster"]["\x1b]0;red\u202e" + "k" * 100] = 1
    with pytest.raises(SpecError) as info:
        ClusterSpec.model_validate(data)
    text = str(info.value)
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "cluster.\\x1b]0;red\\u202e" + "k" * 23 + "…: unknown field" in text
    assert all(len(p.path) <= 160 and len(p.message) <= 400 for p in info.value.problems)
    assert printable("a\nb\x9bc\u2028", 5) == "a\\x0…"


# --- licence files ------------------------------------------------------------------


def spec_with_license(folder: Path, name: str) -> dict[str, object]:
    data = example(UNICAST)
    data["units"][0]["license_file"] = name  # type: ignore[index]
    return data


def license_problems(folder: Path, name: str) -> list[str]:
    data = spec_with_license(folder, name)
    try:
        spec = ClusterSpec.model_validate(data, context={"source_dir": str(folder)})
    except SpecError as exc:
        return [str(p) for p in exc.problems]
    return [str(w) for w in spec.warnings if w.path.endswith("license_file")]


def test_licence_files_stay_in_the_spec_folder(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    (folder / "licenses").mkdir(parents=True)
    (folder / "licenses" / "fgt-a.lic").write_text("-----BEGIN FGT VM LICENSE-----\nQAAA\n")
    (folder / "shadow.lic").symlink_to("/etc/shadow")
    (folder / "environ.lic").symlink_to("/proc/self/environ")
    (folder / "inside.lic").symlink_to("licenses/fgt-a.lic")
    (tmp_path / "outside.lic").write_text("x")
    assert license_problems(folder, "licenses/fgt-a.lic") == []
    assert license_problems(folder, "inside.lic") == []  # a link that stays inside is fine
    for name, target in (
        ("shadow.lic", "/etc/shadow"),
        ("environ.lic", "/proc/"),
        ("../outside.lic", str(tmp_path / "outside.lic")),
        ("licenses/../../outside.lic", str(tmp_path / "outside.lic")),
    ):
        found = license_problems(folder, name)
        assert len(found) == 1 and found[0].startswith(f"units[0].license_file: resolves to {target}"), found
        assert "outside the spec's folder" in found[0]


def test_licence_files_are_small_regular_utf8_files(tmp_path: Path) -> None:
    (tmp_path / "latin.lic").write_bytes("LICENSE-TOKEN:caf\xe9\n".encode("latin-1"))
    (tmp_path / "big.lic").write_text("x" * (LICENSE_MAX_BYTES + 1))
    (tmp_path / "dir.lic").mkdir()
    os.mkfifo(tmp_path / "fifo.lic")
    assert license_problems(tmp_path, "latin.lic") == [
        "units[0].license_file: is not UTF-8 text (byte 0xe9 at offset 17, line 1); save it as UTF-8"
    ]
    assert license_problems(tmp_path, "big.lic") == [
        f"units[0].license_file: is {LICENSE_MAX_BYTES + 1} bytes; a licence file is at most {LICENSE_MAX_BYTES} bytes"
    ]
    assert "not a regular file (a folder)" in license_problems(tmp_path, "dir.lic")[0]
    assert "not a regular file (a FIFO)" in license_problems(tmp_path, "fifo.lic")[0]
    assert license_problems(tmp_path, "later.lic") == [
        "units[0].license_file: later.lic does not exist yet; it is read when the config drive is built"
    ]


def test_a_licence_is_read_through_the_same_checks_that_accepted_it(tmp_path: Path) -> None:
    lic = tmp_path / "fgt-a.lic"
    lic.write_text("LICENSE-TOKEN:0123\n")
    spec = ClusterSpec.model_validate(spec_with_license(tmp_path, "fgt-a.lic"), context={"source_dir": str(tmp_path)})
    assert spec.license_text(spec.units[0]) == "LICENSE-TOKEN:0123\n"
    assert spec.license_path(spec.units[0]) == lic.resolve()
    lic.unlink()
    lic.symlink_to("/etc/hostname")  # swapped after validation
    with pytest.raises(SpecError) as info:
        spec.license_text(spec.units[0])
    assert str(info.value).startswith("units[0].license_file: resolves to /etc/hostname, outside the spec's folder")
