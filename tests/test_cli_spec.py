"""The real `fgtha` console script: validate, render, iso."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import select
import subprocess
import termios
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES, REPO
from test_model_rules import BROADCAST, UNICAST, example, mutate

FGTHA = REPO / ".venv" / "bin" / "fgtha"
SECRETS = {"TF_VAR_fgt_ha_password": "cli-ha-S3cret", "TF_VAR_fgt_admin_password": "cli-admin-S3cret"}


def run(*args: str | Path, secrets: bool = False, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_VAR_")}
    env.update(SECRETS if secrets else {})
    return subprocess.run(
        [str(FGTHA), *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd, stdin=subprocess.DEVNULL
    )


def write_spec(folder: Path, data: dict[str, Any], name: str = "spec.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data))
    return path


def assert_clean_failure(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_validate_shipped_examples_with_warnings() -> None:
    result = run("validate", *sorted(EXAMPLES.glob("*.yaml")))
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout and "cluster fgt-ha, 2 units, unicast heartbeat" in result.stdout
    assert "warning ports: only port3 carries heartbeat" in result.stderr


def test_validate_reports_every_problem_as_path_message(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, mutate(UNICAST, {"units[1].heartbeat_ip": "10.9.0.2/30", "cluster.group_id": 4096}))
    result = run("validate", spec)
    assert_clean_failure(result)
    assert "cluster.group_id: Input should be less than or equal to 1023" in result.stderr
    spec = write_spec(tmp_path, mutate(UNICAST, {"units[1].heartbeat_ip": "10.9.0.2/30", "cluster.monitor": ["port9"]}))
    result = run("validate", spec)
    assert_clean_failure(result)
    assert (
        "units[1].heartbeat_ip: 10.9.0.2 is not in 10.255.0.0/30, the network of units[0].heartbeat_ip" in result.stderr
    )
    assert "cluster.monitor[0]: 'port9' is not a port of the spec" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read: No such file or directory"),
        ("cluster: [1,\n", "not valid YAML"),
        ("- a list\n", "must be a mapping"),
    ],
)
def test_validate_unreadable_specs_without_traceback(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "broken.yaml"
    if content is not None:
        path.write_text(content)
    result = run("validate", path)
    assert_clean_failure(result)
    assert message in result.stderr


def test_validate_refuses_one_group_id_on_one_l2_segment(tmp_path: Path) -> None:
    """The broadcast example's kvm1 shares bridge br-ext (uplink enp1s0) with the unicast example's kvm1."""
    other = write_spec(tmp_path, mutate(BROADCAST, {"cluster.group_id": 10}), "other.yaml")
    result = run("validate", EXAMPLES / f"{UNICAST}.yaml", other)
    assert_clean_failure(result)
    assert f"{other}: invalid with the other specs" in result.stderr
    assert "error cluster.group_id: group-id 10 is also used by fgt-ha" in result.stderr
    assert "kvm1 bridge br-ext" in result.stderr and "kvm1 NIC enp1s0" in result.stderr
    elsewhere = write_spec(
        tmp_path, mutate(BROADCAST, {"cluster.group_id": 10, "hosts[0].name": "kvm9", "units": _on("kvm9")}), "b.yaml"
    )
    assert run("validate", EXAMPLES / f"{UNICAST}.yaml", elsewhere).returncode == 0
    assert run("validate", *sorted(EXAMPLES.glob("*.yaml"))).returncode == 0


def test_validate_refuses_two_specs_of_one_cluster_name(tmp_path: Path) -> None:
    twin = write_spec(tmp_path, mutate(BROADCAST, {"cluster.name": "fgt-ha", "cluster.group_id": 11}), "twin.yaml")
    result = run("validate", EXAMPLES / f"{UNICAST}.yaml", twin)
    assert_clean_failure(result)
    assert "error cluster.name: 'fgt-ha' is also the cluster of" in result.stderr


def _on(host: str) -> Any:
    return lambda units: [{**u, "host": host} for u in units]


def test_validate_never_prints_secret_values() -> None:
    result = run("validate", *sorted(EXAMPLES.glob("*.yaml")), secrets=True)
    assert result.returncode == 0
    for value in SECRETS.values():
        assert value not in result.stdout + result.stderr


def test_render_redacted_prints_every_unit_with_a_header() -> None:
    result = run("render", EXAMPLES / f"{UNICAST}.yaml", "--redact")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# unit fgt-a of cluster fgt-ha\nconfig system global\n")
    assert "# unit fgt-b of cluster fgt-ha\n" in result.stdout
    assert '    set password "<secret:fgt_ha_password>"\n' in result.stdout
    assert '        set password "<secret:fgt_admin_password>"\n' in result.stdout


def test_render_one_unit_with_secrets_from_the_environment() -> None:
    result = run("render", EXAMPLES / f"{UNICAST}.yaml", "--unit", "fgt-b", secrets=True)
    assert result.returncode == 0, result.stderr
    golden = (REPO / "tests/golden/unicast-two-hosts-fgt-b.conf").read_text()
    assert result.stdout == golden.replace("golden-ha-password", SECRETS["TF_VAR_fgt_ha_password"]).replace(
        "golden-admin-password", SECRETS["TF_VAR_fgt_admin_password"]
    )


def test_render_without_secrets_says_how_to_give_them() -> None:
    result = run("render", EXAMPLES / f"{UNICAST}.yaml")
    assert_clean_failure(result)
    assert "secrets.ha_password: no value: set the environment variable TF_VAR_fgt_ha_password" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("command", [("render", "--redact"), ("iso", "--output", "/tmp/never-written.iso")])
def test_unknown_unit_lists_the_units(command: tuple[str, ...]) -> None:
    result = run(command[0], EXAMPLES / f"{UNICAST}.yaml", "--unit", "fgt-z", *command[1:], secrets=True)
    assert_clean_failure(result)
    assert "--unit: no unit 'fgt-z'; units are: fgt-a, fgt-b" in result.stderr
    assert not Path("/tmp/never-written.iso").exists()


def test_render_to_files_with_mode_0600(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("render", EXAMPLES / f"{BROADCAST}.yaml", "--output-dir", out, "--redact")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["fgt-a.conf", "fgt-b.conf"]
    for conf in out.iterdir():
        assert conf.stat().st_mode & 0o777 == 0o600
        assert conf.read_text().startswith("config system global\n")


def test_iso_writes_the_unit_drive_with_its_license(tmp_path: Path) -> None:
    (tmp_path / "fgt-a.lic").write_text("LICENSE-TOKEN:0123456789ABCDEF\n")
    spec = write_spec(tmp_path, mutate(UNICAST, {"units[0].license_file": "fgt-a.lic"}))
    output = tmp_path / "fgt-a.iso"
    result = run("iso", spec, "--unit", "fgt-a", "--output", output, secrets=True, cwd=Path("/"))
    assert result.returncode == 0, result.stderr
    data = output.read_bytes()
    assert f"size {len(data)}" in result.stdout and hashlib.sha256(data).hexdigest() in result.stdout
    subprocess.run(
        ["xorriso", "-osirrox", "on", "-indev", output, "-extract", "/", tmp_path / "x"],
        capture_output=True,
        check=True,
    )
    assert (tmp_path / "x/openstack/content/0000").read_text() == "LICENSE-TOKEN:0123456789ABCDEF\n"
    assert 'set hostname "fgt-a"' in (tmp_path / "x/openstack/latest/user_data").read_text()
    for value in SECRETS.values():
        assert value not in result.stdout + result.stderr


def test_iso_with_a_missing_license_names_the_field(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, mutate(UNICAST, {"units[1].license_file": "gone.lic"}))
    result = run("iso", spec, "--unit", "fgt-b", "--output", tmp_path / "b.iso", secrets=True)
    assert_clean_failure(result)
    assert "units[1].license_file: cannot read" in result.stderr
    assert not (tmp_path / "b.iso").exists()


# --- hostile input and unlucky operators (issue 12) ----------------------------------


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("fgtha 0.")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"cluster: {name: f\xe9t}\n", "is not UTF-8 text (byte 0xe9 at offset 17, line 1)"),
        (b"a: " + b"[" * 1000 + b"]" * 1000 + b"\n", "nest"),
        (
            b"cluster:\n  name: " + b"c" * 10_000 + b"\n",
            "cluster.name: is 10000 characters long; a name has at most 63",
        ),
        (yaml.safe_dump(mutate(UNICAST, {"units[0].license_file": "l" * 300 + ".lic"})).encode(), "over 255 bytes"),
        (yaml.safe_dump(mutate(UNICAST, {"units[0].license_file": "a\0b"})).encode(), "contains a NUL"),
    ],
    ids=["latin-1", "depth-1000", "long-cluster-name", "long-licence-name", "nul-in-licence-path"],
)
def test_hostile_specs_get_one_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(content)
    for command in (("validate",), ("render", "--redact"), ("iso", "--unit", "fgt-a", "--output", tmp_path / "a.iso")):
        result = run(command[0], path, *command[1:], secrets=True)
        assert_clean_failure(result)
        assert message in result.stderr
    assert not (tmp_path / "a.iso").exists()


def test_dev_zero_as_spec_is_refused() -> None:
    result = run("validate", "/dev/zero")
    assert_clean_failure(result)
    assert "/dev/zero: is not a regular file (a character device)" in result.stderr


def test_problems_are_capped_and_escaped(tmp_path: Path) -> None:
    data = mutate(UNICAST, {"cluster.name": "\x1b[2Jx"})
    data.update({f"extra{i}": i for i in range(200)})
    result = run("validate", write_spec(tmp_path, data))
    assert_clean_failure(result)
    assert "\x1b" not in result.stderr and "'\\x1b[2Jx' must start with a letter or digit" in result.stderr
    assert result.stderr.count("error ") == 50
    assert "... and 151 more\n201 problem(s); nothing was written." in result.stderr


def test_validate_json_reports_errors_and_warnings(tmp_path: Path) -> None:
    bad = write_spec(tmp_path, mutate(UNICAST, {"cluster.group_id": True}))
    result = run("validate", "--json", EXAMPLES / f"{UNICAST}.yaml", bad)
    assert result.returncode == 2 and result.stderr == ""
    report = json.loads(result.stdout)
    good, invalid = report["specs"]
    assert good["valid"] and good["cluster"] == "fgt-ha" and "only port3" in good["warnings"][0]["message"]
    assert invalid == {
        "path": str(bad),
        "valid": False,
        "errors": [{"path": "cluster.group_id", "message": "Input should be a valid integer", "severity": "error"}],
        "omitted": 0,
    }


def test_other_json_commands_give_spec_errors_as_json(tmp_path: Path) -> None:
    bad = write_spec(tmp_path, mutate(UNICAST, {"units[0].mgmt_ip": "192.0.2.11"}))
    result = run("host", "check", bad, "--host", "kvm1", "--json")
    assert result.returncode == 2 and result.stderr == ""
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["errors"][0]["path"] == "units[0].mgmt_ip"


def test_iso_packs_only_licences_the_model_accepts(tmp_path: Path) -> None:
    (tmp_path / "latin.lic").write_bytes("LICENSE-TOKEN:caf\xe9\n".encode("latin-1"))
    (tmp_path / "zero.lic").symlink_to("/dev/zero")
    (tmp_path / "environ.lic").symlink_to("/proc/self/environ")
    for name, message in (
        ("latin.lic", "is not UTF-8 text"),
        ("zero.lic", "resolves to /dev/zero, outside the spec's folder"),
        ("environ.lic", "resolves to /proc/"),
        ("/dev/zero", "must be a path relative to the spec's folder"),
    ):
        spec = write_spec(tmp_path, mutate(UNICAST, {"units[0].license_file": name}))
        result = run("iso", spec, "--unit", "fgt-a", "--output", tmp_path / "a.iso", secrets=True)
        assert_clean_failure(result)
        assert f"units[0].license_file: {message}" in result.stderr
        assert not (tmp_path / "a.iso").exists()


def test_iso_never_overwrites_its_spec(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, example(UNICAST))
    before = spec.read_bytes()
    for output in (spec, tmp_path / "." / "spec.yaml"):
        result = run("iso", spec, "--unit", "fgt-a", "--output", output, secrets=True)
        assert_clean_failure(result)
        assert "--output: " in result.stderr and "an input of this command" in result.stderr
    assert spec.read_bytes() == before


def test_render_output_dir_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file")
    result = run("render", EXAMPLES / f"{UNICAST}.yaml", "--redact", "--output-dir", tmp_path / "taken")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"--output-dir: cannot write {tmp_path / 'taken'}: File exists" in result.stderr
    readonly = tmp_path / "ro"
    readonly.mkdir()
    script = (
        f"mount -t tmpfs -o ro none {readonly} && "
        f"{FGTHA} render {EXAMPLES / (UNICAST + '.yaml')} --redact --output-dir {readonly}/out"
    )
    result = subprocess.run(["unshare", "--mount", "sh", "-c", script], capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"--output-dir: cannot write {readonly}/out: Read-only file system" in result.stderr


def test_an_ha_password_with_a_quote_is_refused_on_the_cli_path_too() -> None:
    env = {"TF_VAR_fgt_ha_password": 'has"quote', "TF_VAR_fgt_admin_password": "ok"}
    result = subprocess.run(
        [str(FGTHA), "render", EXAMPLES / f"{UNICAST}.yaml"],
        capture_output=True,
        text=True,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("TF_VAR_")}, **env},
        stdin=subprocess.DEVNULL,
    )
    assert_clean_failure(result)
    assert "secrets.ha_password: contains a double quote or a backslash" in result.stderr
    assert "has" + '"quote' not in result.stdout + result.stderr


def test_end_of_input_at_the_secret_prompt_is_a_clear_error() -> None:
    primary, secondary = os.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_VAR_")}
    process = subprocess.Popen(
        [str(FGTHA), "render", EXAMPLES / f"{UNICAST}.yaml", "--unit", "fgt-a"],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=env,
        start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(secondary)
    output = b""
    try:
        while b"secrets.ha_password (TF_VAR_fgt_ha_password): " not in output:
            ready, _, _ = select.select([primary], [], [], 60)
            assert ready, output  # the prompt never came
            output += os.read(primary, 4096)
        os.write(primary, b"\x04")  # Ctrl-D
        while True:
            ready, _, _ = select.select([primary], [], [], 60)
            assert ready, output
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        assert process.wait(timeout=60) == 2
    finally:
        process.kill()
        process.wait()
        os.close(primary)
    text = output.decode()
    assert "Traceback" not in text and "EOFError" not in text
    assert "secrets.ha_password: no value: the prompt got end of input (Ctrl-D)" in text
