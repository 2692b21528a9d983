"""The user's path: `fgtha provider install`, then `terraform init` from the filesystem mirror (no registry)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import tempfile
import zipfile
from pathlib import Path

from netns import ip
from tfharness import FGTHA, TERRAFORM, Terraform, installed_provider, provider_block

from fgtha.terraform.env import terraform_env

SOURCE = "fgt-kvm-ha.local/fgt-kvm-ha/kvmhost"


def test_install_prints_only_the_cli_config(tmp_path: Path) -> None:
    done = subprocess.run(
        [FGTHA, "provider", "install", "--mirror", str(tmp_path / "m")], capture_output=True, text=True, check=True
    )
    config = Path(done.stdout.strip())
    assert done.stdout == f"{config}\n" and config.is_file()
    text = config.read_text()
    assert f'path    = "{tmp_path / "m"}"' in text and f'include = ["{SOURCE}"]' in text
    assert "direct {" in text and 'exclude = ["fgt-kvm-ha.local/*/*"]' in text
    assert [p.name for p in (tmp_path / "m" / SOURCE).iterdir()] == ["terraform-provider-kvmhost_0.1.0_linux_amd64.zip"]


def test_install_writes_only_what_runs_here_and_removes_stale_archives(tmp_path: Path) -> None:
    """The archive holds this virtualenv's console script (its shebang names this venv): Linux only, this arch."""
    folder = tmp_path / "m" / SOURCE
    folder.mkdir(parents=True)
    for stale in ("darwin_arm64.zip", "windows_amd64.zip", "linux_amd64.zip"):
        (folder / f"terraform-provider-kvmhost_0.1.0_{stale}").write_bytes(b"old")
    (folder / "index.json").write_text("{}")
    subprocess.run([FGTHA, "provider", "install", "--mirror", str(tmp_path / "m")], check=True, capture_output=True)
    archives = sorted(p.name for p in folder.iterdir())
    assert archives == ["terraform-provider-kvmhost_0.1.0_linux_amd64.zip"]
    with zipfile.ZipFile(folder / archives[0]) as zf:
        (info,) = zf.infolist()
        assert info.filename == "terraform-provider-kvmhost_v0.1.0"
        assert stat.S_IMODE(info.external_attr >> 16) == 0o755
        script = zf.read(info).decode()
    assert script.startswith(f"#!{Path(FGTHA).parent}/python")
    first = (folder / archives[0]).read_bytes()
    subprocess.run([FGTHA, "provider", "install", "--mirror", str(tmp_path / "m")], check=True, capture_output=True)
    assert (folder / archives[0]).read_bytes() == first  # same bytes: lock files stay valid


def test_provider_lock_takes_kvmhost_from_the_mirror_without_a_registry(tmp_path: Path) -> None:
    stack = tmp_path / "cdktf.out" / "stacks" / "net"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text(json.dumps(provider_block()))
    done = subprocess.run(
        [FGTHA, "provider", "lock", "--mirror", str(tmp_path / "m")], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    lock = (stack / ".terraform.lock.hcl").read_text()
    assert f'provider "{SOURCE}"' in lock and '"h1:' in lock
    tf = Terraform(stack, installed_provider(tmp_path / "m"))
    tf.run("init", "-no-color", "-lockfile=readonly")  # the installed package matches the lock


def test_provider_lock_without_stacks_says_what_to_do(tmp_path: Path) -> None:
    done = subprocess.run([FGTHA, "provider", "lock"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2 and "run `cdktf synth`" in done.stderr and "Traceback" not in done.stderr


def test_init_from_the_mirror_apply_and_reinstall(tmp_path: Path, netns: str) -> None:
    tf = Terraform(tmp_path / "tf", installed_provider(tmp_path / "mirror"))
    tf.write({**provider_block(netns=netns), "resource": {"kvmhost_bridge": {"hb": {"name": "br-hb"}}}})
    init = tf.init()
    assert "Installed fgt-kvm-ha.local/fgt-kvm-ha/kvmhost v0.1.0" in init.stdout
    lock = (tf.workdir / ".terraform.lock.hcl").read_text()
    tf.apply()
    assert "br-hb" in ip("link", "show", netns=netns).stdout

    tf.env = installed_provider(tmp_path / "mirror")  # idempotent: the lock file's checksum stays valid
    tf.run("init", "-no-color", "-lockfile=readonly")
    assert (tf.workdir / ".terraform.lock.hcl").read_text() == lock
    assert tf.plan().code == 0
    tf.destroy()
    assert "br-hb" not in ip("link", "show", netns=netns).stdout


def test_terraform_wrapper_passes_the_exit_code(tmp_path: Path) -> None:
    assert subprocess.run([TERRAFORM, "version"], capture_output=True, text=True).stdout.startswith("Terraform v1.15.5")
    assert subprocess.run([TERRAFORM, "no-such-command"], capture_output=True).returncode == 1
    (tmp_path / "main.tf.json").write_text('{"output": {"x": {"value": 1}}}')
    run = [TERRAFORM, f"-chdir={tmp_path}"]
    subprocess.run([*run, "init"], capture_output=True, check=True)
    assert subprocess.run([*run, "plan", "-detailed-exitcode"], capture_output=True).returncode == 2


def test_a_hostile_cli_config_at_the_old_shared_path_is_not_used() -> None:
    """Another local user could pre-create the old fixed /tmp file with dev_overrides; it must never be read."""
    hostile = Path(tempfile.gettempdir()) / "fgtha-empty.tfrc"
    hostile.unlink(missing_ok=True)
    hostile.write_text('provider_installation {\n  dev_overrides { "x/y/z" = "/tmp/evil" }\n}\n')
    try:
        env = terraform_env({"HOME": "/root"})
        chosen = Path(env["TF_CLI_CONFIG_FILE"])
        assert chosen != hostile and "dev_overrides" not in chosen.read_text()
        assert chosen.stat().st_uid == os.getuid() and stat.S_IMODE(chosen.stat().st_mode) == 0o600
    finally:
        hostile.unlink()


def test_an_unwritable_home_is_replaced_by_a_private_one(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-home"  # not writable for anyone, root included
    home = Path(terraform_env({"HOME": str(missing)})["HOME"])
    assert home != Path(tempfile.gettempdir()) and home.is_dir()
    assert home.stat().st_uid == os.getuid() and stat.S_IMODE(home.stat().st_mode) == 0o700
