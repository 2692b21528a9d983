"""`fgtha plan` / `fgtha apply`: saved plans of a site's stacks in deploy order, private files, a stack named by
its stack; and one stack destroyed on purpose."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

from netns import ip
from test_app import ENV, make_site, synth
from test_state_backends import STACK, provider_config, stack_dir
from tfharness import BIN

from fgtha.terraform.env import terraform_env


def fgtha(site: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "fgtha"), *args], cwd=site, env=env, capture_output=True, text=True)


def test_plan_saves_private_plans_named_by_stack_and_apply_and_destroy_one_stack(tmp_path: Path, netns: str) -> None:
    for i in range(1, 5):
        ip("link", "add", f"enp{i}s0", "type", "veth", "peer", "name", f"peer{i}", netns=netns)
    site = make_site(tmp_path / "site")
    assert synth(site).returncode == 0
    stack_dir(site, netns)
    env = terraform_env({**ENV, **provider_config(BIN, tmp_path / "mirror")})

    done = fgtha(site, env, "plan", STACK)
    assert done.returncode == 0, done.stderr
    assert f"## Stack `{STACK}`" in done.stdout and "**4** to create" in done.stdout
    plans = site / ".fgtha" / "plans"
    assert stat.S_IMODE(plans.stat().st_mode) == 0o700
    assert sorted(p.name for p in plans.iterdir()) == [f"{STACK}.json", f"{STACK}.tfplan"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in plans.iterdir())

    done = fgtha(site, env, "apply")
    assert done.returncode == 0, done.stderr
    assert "Apply complete! Resources: 4 added" in done.stdout
    assert "master br-ext" in ip("link", "show", "enp1s0", netns=netns).stdout
    assert not (plans / f"{STACK}.tfplan").exists()  # a saved plan is applied once

    # plan-report names a plan by the stack folder it sits in, not by its file name
    show = subprocess.run(
        [str(BIN / "fgtha-terraform"), f"-chdir={site / 'cdktf.out/stacks' / STACK}", "show", "-json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    (site / "cdktf.out" / "stacks" / STACK / "plan.json").write_text(json.dumps({**json.loads(show.stdout)}))
    report = fgtha(site, env, "plan-report", f"cdktf.out/stacks/{STACK}/plan.json")
    assert f"## Stack `{STACK}`" in report.stdout and "Stack `plan`" not in report.stdout

    done = fgtha(site, env, "plan", "--destroy", STACK)
    assert done.returncode == 0, done.stderr
    assert "**4** to destroy" in done.stdout
    assert fgtha(site, env, "apply", STACK).returncode == 0
    assert ip("link", "show", "br-ext", netns=netns, check=False).returncode != 0

    unknown = fgtha(site, env, "plan", "no-such-stack")
    assert unknown.returncode == 1 and "no such stack: no-such-stack" in unknown.stderr
