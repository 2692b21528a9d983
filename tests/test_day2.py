"""Hands-free day 2: the REST API administrator on day 0, FortiFlex tokens, one unit on a new image."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from test_cli_spec import SECRETS, assert_clean_failure, run, write_spec
from test_model_rules import UNICAST, mutate, problems_of, warnings_of
from test_stacks import resources, synth_all
from tfharness import Terraform, reattached_provider

from fgtha.fortios.bootstrap import render_unit
from fgtha.fortios.secrets import BootstrapSecrets, check_api_key, check_license_token, resolve_secrets
from fgtha.spec.model import ClusterSpec
from fgtha.spec.problems import SpecError

GOLDEN = REPO / "tests" / "golden"
API_KEY = "Day2ApiKey0123456789abcdefghij"
TOKEN = "5FE7B3CE6B606DEB20E3"
#: Real values, as a user's environment holds them; none of them may reach cdktf.out or an output.
VALUES = {
    **SECRETS,
    "TF_VAR_fgt_api_key": API_KEY,
    "TF_VAR_fgt_a_flex_token": TOKEN,
    "FGT_B_FLEX": "0AB1C2D3E4F5A6B7C8D9",
}
HANDS_FREE = {
    "secrets.api_key": {"variable": "fgt_api_key"},
    "units[0].license_token": {"variable": "fgt_a_flex_token"},
    "units[1].license_token": {"env": "FGT_B_FLEX"},
}
FAKE = BootstrapSecrets("golden-ha-password", "golden-admin-password", "golden0api0key0golden0api0key0")


def hands_free(**more: Any) -> dict[str, Any]:
    return mutate(UNICAST, {**HANDS_FREE, **more})


# ---- the model -------------------------------------------------------------------------------------------------


def test_a_licence_file_and_a_token_exclude_each_other() -> None:
    assert problems_of(hands_free(**{"units[0].license_file": "a.lic"})) == [
        "units[0]: give at most one of 'license_file' (a .lic file) or 'license_token' (a FortiFlex token)"
    ]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"secrets.api_key": "Day2ApiKey0123456789abcdefghij"}, "secrets.api_key: must be a reference"),
        ({"units[0].license_token": "5FE7B3CE6B606DEB20E3"}, "units[0].license_token: must be a reference"),
        ({"api_admin": {"trusthosts": ["0.0.0.0/0"]}}, "api_admin.trusthosts: FortiOS does not allow 0.0.0.0/0"),
        ({"api_admin": {"name": "x" * 36}}, "api_admin.name: String should have at most 35 characters"),
        ({"api_admin": {"name": "a(b"}}, "api_admin.name: 'a(b' must start with a letter or digit"),
        ({"api_admin": {"accprofile": "a\nb"}}, "api_admin.accprofile: contains a newline"),
        ({"units[1].image": {"path": ""}}, "units[1].image.path: String should have at least 1 character"),
        ({"units[1].image": {"path": "/x.qcow2", "pool": "p"}}, "units[1].image.pool: unknown field"),
    ],
)
def test_bad_day2_fields_name_their_path(changes: dict[str, Any], problem: str) -> None:
    problems = problems_of(hands_free(**changes))
    assert any(p.startswith(problem) for p in problems), problems


def test_api_admin_without_a_key_is_a_warning() -> None:
    assert warnings_of(mutate(UNICAST, {"api_admin": {"name": "ci"}}))[-1] == (
        "api_admin: has no effect without secrets.api_key (no REST API administrator is created)"
    )
    assert not [w for w in warnings_of(hands_free(api_admin={"name": "ci"})) if w.startswith("api_admin")]


def test_trusted_networks_default_to_the_management_networks() -> None:
    spec = ClusterSpec.model_validate(hands_free())
    assert [str(n) for n in spec.api_trusthosts] == ["192.0.2.0/24"]
    apart = ClusterSpec.model_validate(
        hands_free(**{"units[1].mgmt_ip": "198.51.100.12/24", "units[1].mgmt_gateway": "198.51.100.1"})
    )
    assert [str(n) for n in apart.api_trusthosts] == ["192.0.2.0/24", "198.51.100.0/24"]
    chosen = ClusterSpec.model_validate(hands_free(api_admin={"trusthosts": ["10.1.0.0/16", "203.0.113.7/32"]}))
    assert [str(n) for n in chosen.api_trusthosts] == ["10.1.0.0/16", "203.0.113.7/32"]


def test_a_unit_image_overrides_only_the_path() -> None:
    spec = ClusterSpec.model_validate(hands_free(**{"units[1].image": {"path": "/img/fortios-7.4.9.qcow2"}}))
    a, b = (spec.unit_image(u) for u in spec.units)
    assert a == spec.image and b.path == "/img/fortios-7.4.9.qcow2" and b.pool == a.pool


# ---- the key's and the token's form ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("A" * 29, "is 29 characters long; FortiOS takes exactly 30"),
        ("A" * 31, "is 31 characters long; FortiOS takes exactly 30"),
        ("A" * 29 + "-", "may hold only the characters A-Za-z0-9"),
        ("A" * 29 + '"', "may hold only the characters A-Za-z0-9"),
        ("A" * 29 + "\n", "contains a newline"),
        ("", "is empty"),
    ],
)
def test_an_api_key_fortios_would_refuse_is_refused(value: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        check_api_key("secrets.api_key", value)
    assert str(caught.value.problems[0]).startswith(f"secrets.api_key: {message}")
    check_api_key("secrets.api_key", API_KEY)


def test_a_token_that_is_not_one_word_is_refused() -> None:
    check_license_token("units[0].license_token", TOKEN)
    for bad in ("5FE7 B3CE", "5FE7\nCOUNT:4", ""):
        with pytest.raises(SpecError):
            check_license_token("units[0].license_token", bad)


def test_the_key_is_resolved_with_the_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = ClusterSpec.model_validate(hands_free())
    for name, value in VALUES.items():
        monkeypatch.setenv(name, value)
    secrets = resolve_secrets(spec, prompt=False)
    assert secrets.api_key == API_KEY and API_KEY not in repr(secrets)
    monkeypatch.setenv("TF_VAR_fgt_api_key", "short")
    monkeypatch.delenv("TF_VAR_fgt_ha_password")
    with pytest.raises(SpecError) as caught:
        resolve_secrets(spec, prompt=False)
    assert [p.path for p in caught.value.problems] == ["secrets.ha_password", "secrets.api_key"]


# ---- the bootstrap ------------------------------------------------------------------------------------------------


def test_the_api_administrator_matches_the_golden_file() -> None:
    spec = ClusterSpec.model_validate(hands_free())
    assert render_unit(spec, spec.units[0], FAKE) == (GOLDEN / "unicast-api-key-fgt-a.conf").read_text()


def test_both_units_create_the_same_api_administrator() -> None:
    spec = ClusterSpec.model_validate(hands_free(api_admin={"name": "ci", "accprofile": "API profile"}))
    a, b = (render_unit(spec, u, FAKE) for u in spec.units)
    block = a[a.index("config system api-user") :]
    assert block == b[b.index("config system api-user") :]
    assert 'edit "ci"' in block and 'set accprofile "API profile"' in block
    assert f'set api-key "{FAKE.api_key}"' in block


def test_without_an_api_key_there_is_no_api_administrator() -> None:
    spec = ClusterSpec.model_validate(mutate(UNICAST, {}))
    assert "api-user" not in render_unit(spec, spec.units[0], FAKE)
    with pytest.raises(ValueError, match="secrets.api_key"):
        keyed = ClusterSpec.model_validate(hands_free())
        render_unit(keyed, keyed.units[0], BootstrapSecrets("h", "a"))


# ---- the CLI ------------------------------------------------------------------------------------------------------


def run_with(*args: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TF_VAR_")}
    return subprocess.run(
        [str(REPO / ".venv/bin/fgtha"), *map(str, args)],
        capture_output=True,
        text=True,
        env={**clean, **env},
        stdin=subprocess.DEVNULL,
    )


def test_render_redact_hides_the_key_even_when_it_is_set(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, hands_free())
    result = run_with("render", spec, "--redact", env=VALUES)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('set api-key "<secret:fgt_api_key>"') == 2
    for value in VALUES.values():
        assert value not in result.stdout + result.stderr
    real = run_with("render", spec, "--unit", "fgt-a", env=VALUES)
    assert real.returncode == 0 and f'set api-key "{API_KEY}"' in real.stdout


def test_render_refuses_a_key_fortios_cannot_take_without_echoing_it(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, hands_free())
    bad = "tooShortKey-with-dash"
    result = run_with("render", spec, env={**VALUES, "TF_VAR_fgt_api_key": bad})
    assert_clean_failure(result)
    assert "secrets.api_key: is 21 characters long; FortiOS takes exactly 30" in result.stderr
    assert bad not in result.stdout + result.stderr


def test_validate_names_the_exclusive_licence_fields(tmp_path: Path) -> None:
    result = run("validate", write_spec(tmp_path, hands_free(**{"units[1].license_file": "b.lic"})))
    assert_clean_failure(result)
    assert "units[1]: give at most one of 'license_file'" in result.stderr


def extract(image: Path, folder: Path) -> Path:
    subprocess.run(
        ["xorriso", "-osirrox", "on", "-indev", image, "-extract", "/", folder], check=True, capture_output=True
    )
    return folder


def test_iso_writes_the_token_line_and_the_api_administrator(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, hands_free())
    image = tmp_path / "fgt-b.iso"
    result = run_with("iso", spec, "--unit", "fgt-b", "--output", image, env=VALUES)
    assert result.returncode == 0, result.stderr
    drive = extract(image, tmp_path / "x")
    assert (drive / "openstack/content/0000").read_text() == f"LICENSE-TOKEN:{VALUES['FGT_B_FLEX']}\n"
    assert json.loads((drive / "openstack/latest/meta_data.json").read_text())["files"] == [
        {"path": "license", "content_path": "/content/0000"}
    ]
    assert f'set api-key "{API_KEY}"' in (drive / "openstack/latest/user_data").read_text()
    for value in VALUES.values():
        assert value not in result.stdout + result.stderr


def test_iso_without_the_token_names_its_field(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, hands_free())
    result = run_with("iso", spec, "--unit", "fgt-b", "--output", tmp_path / "b.iso", env=SECRETS)
    assert_clean_failure(result)
    assert "units[1].license_token: no value: set the environment variable FGT_B_FLEX" in result.stderr
    assert "secrets.api_key: no value: set the environment variable TF_VAR_fgt_api_key" in result.stderr
    assert not (tmp_path / "b.iso").exists()


# ---- the stacks ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stacks() -> dict[str, dict[str, Any]]:
    return synth_all(ClusterSpec.model_validate(hands_free()))


def test_every_day2_provider_authenticates_with_the_one_key_variable(stacks: dict[str, dict[str, Any]]) -> None:
    ha = stacks["fgt-ha-ha"]
    assert [p["token"] for p in ha["provider"]["fortios"]] == ["${var.fgt_api_key}"] * 2
    assert not [v for v in ha["variable"] if v.startswith("fortios_token_")]
    key = ha["variable"]["fgt_api_key"]
    assert key["sensitive"] is True and key["type"] == "string"
    assert any("{30}" in rule["condition"] for rule in key["validation"])


def test_the_units_stack_carries_key_and_tokens_as_variables(stacks: dict[str, dict[str, Any]]) -> None:
    units = stacks["fgt-ha-units"]
    drives = resources(units, "kvmhost_config_drive")
    assert all('set api-key "${var.fgt_api_key}"' in d["user_data"] for d in drives)
    assert [d["license"] for d in drives] == [
        "LICENSE-TOKEN:${var.fgt_a_flex_token}\n",
        "LICENSE-TOKEN:${var.FGT_B_FLEX}\n",
    ]
    for name in ("fgt_api_key", "fgt_a_flex_token", "FGT_B_FLEX"):
        assert units["variable"][name]["sensitive"] is True


def test_main_synthesizes_no_key_or_token_into_cdktf_out(tmp_path: Path) -> None:
    shutil.copy(REPO / "main.py", tmp_path / "main.py")
    shutil.copy(REPO / "cdktf.json", tmp_path / "cdktf.json")
    (tmp_path / "clusters").mkdir()
    write_spec(tmp_path / "clusters", hands_free(), "hands-free.yaml")
    env = {
        **os.environ,
        **VALUES,
        "FGTHA_SPECS": "clusters/hands-free.yaml",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    subprocess.run([str(REPO / ".venv/bin/python"), "main.py"], cwd=tmp_path, env=env, check=True, capture_output=True)
    files = [p for p in (tmp_path / "cdktf.out").rglob("*") if p.is_file()]
    assert any("${var.fgt_api_key}" in p.read_text() for p in files)
    for p in files:
        text = p.read_text()
        for value in VALUES.values():
            assert value not in text, p


def test_a_unit_on_a_new_image_changes_only_its_boot_volume() -> None:
    before = synth_all(ClusterSpec.model_validate(hands_free()))
    after = synth_all(
        ClusterSpec.model_validate(hands_free(**{"units[1].image": {"path": "/img/fortios-7.4.9.qcow2"}}))
    )
    changed = [
        (rtype, name)
        for stack in before
        for rtype, items in before[stack].get("resource", {}).items()
        for name, body in items.items()
        if after[stack]["resource"][rtype][name] != body
    ]
    assert len(changed) == 1 and changed[0][0] == "libvirt_volume" and "fgt-b_boot" in changed[0][1]
    boot = after["fgt-ha-units"]["resource"]["libvirt_volume"][changed[0][1]]
    assert boot["backing_store"]["path"] == "/img/fortios-7.4.9.qcow2"
    domains = after["fgt-ha-units"]["resource"]["libvirt_domain"]
    b_domain = next(d for d in domains.values() if d["name"] == "fgt-b")
    assert b_domain["lifecycle"]["replace_triggered_by"] == [f"libvirt_volume.{changed[0][1]}"]


# ---- the real Terraform -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def variables_only(stacks: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    tf = Terraform(tmp_path_factory.mktemp("day2-vars"))
    tf.write({"variable": stacks["fgt-ha-ha"]["variable"]})
    tf.init()
    return tf


@pytest.mark.parametrize(("key", "ok"), [(API_KEY, True), ("A" * 29, False), ("A" * 29 + "_", False)])
def test_terraform_checks_the_key_as_fortios_does(variables_only: Terraform, key: str, ok: bool) -> None:
    variables_only.env = {**VALUES, "TF_VAR_fgt_api_key": key, "TF_VAR_FGT_B_FLEX": VALUES["FGT_B_FLEX"]}
    done = variables_only.plan(check=False)
    assert (done.code == 0) is ok, done.output
    if not ok:
        assert "exactly 30 letters and digits" in done.output and key not in done.output


def test_the_drive_terraform_writes_carries_the_key_and_the_token(
    stacks: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """The units stack's own config drive resource and variables, applied by Terraform with kvmhost."""
    units = stacks["fgt-ha-units"]
    name, drive = next(iter(units["resource"]["kvmhost_config_drive"].items()))
    image = tmp_path / "fgt-a.iso"
    config = {
        "terraform": {"required_providers": units["terraform"]["required_providers"]},
        "provider": {"kvmhost": units["provider"]["kvmhost"]},
        "variable": units["variable"],
        "resource": {"kvmhost_config_drive": {name: {**drive, "path": str(image)}}},
    }
    config["terraform"]["required_providers"] = {"kvmhost": units["terraform"]["required_providers"]["kvmhost"]}
    log = tmp_path / "provider.log"
    with reattached_provider(log) as provider:
        tf = Terraform(tmp_path / "tf", {**provider, **VALUES, "TF_VAR_FGT_B_FLEX": VALUES["FGT_B_FLEX"]})
        tf.write(config)
        tf.init()
        planned = tf.plan("-out=plan.bin")
        (tmp_path / "fgt-ha-units.json").write_text(tf.run("show", "-json", "plan.bin").stdout)
        report = subprocess.run(
            [str(REPO / ".venv/bin/fgtha"), "plan-report", "fgt-ha-units.json"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "kvmhost_config_drive" in report.stdout
        applied = tf.apply()
        for value in VALUES.values():
            assert value not in planned.output + report.stdout + applied.output
        drive_files = extract(image, tmp_path / "x")
        assert f'set api-key "{API_KEY}"' in (drive_files / "openstack/latest/user_data").read_text()
        assert (drive_files / "openstack/content/0000").read_text() == f"LICENSE-TOKEN:{TOKEN}\n"
        tf.destroy()
    for value in VALUES.values():
        assert value not in log.read_text()
