"""Run the embedded Terraform (``fgtha-terraform``) in a working folder, with the kvmhost provider.

General on purpose: any Terraform JSON (or a cdktf stack folder) can be driven with it.

- :func:`reattached_provider` starts one provider process in dev mode and yields
  its ``TF_REATTACH_PROVIDERS`` value: every command then talks to that process
  (fast: no provider start per command, no ``init`` download).
- :func:`installed_provider` runs ``fgtha provider install`` into a mirror and
  returns the CLI config, the way a user installs it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fgtha.terraform.env import terraform_env

BIN = Path(sys.executable).parent
TERRAFORM = str(BIN / "fgtha-terraform")
PROVIDER = str(BIN / "terraform-provider-kvmhost")
FGTHA = str(BIN / "fgtha")
SOURCE = "fgt-kvm-ha.local/fgt-kvm-ha/kvmhost"


@dataclass
class Result:
    """One Terraform command's exit code and output."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return f"terraform {' '.join(self.args)} -> {self.code}\n{self.output}"


@dataclass
class Terraform:
    """A Terraform working folder; ``env`` holds the provider selection (reattach or CLI config)."""

    workdir: Path
    env: Mapping[str, str] = field(default_factory=dict)

    def write(self, config: Mapping[str, Any], name: str = "main.tf.json") -> None:
        """Write a Terraform JSON configuration file into the working folder."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / name).write_text(json.dumps(config, indent=2))

    def run(self, *args: str, check: bool = True, codes: tuple[int, ...] = (0,)) -> Result:
        """Run ``terraform -chdir=WORKDIR ARGS``; with ``check``, fail unless the exit code is in ``codes``."""
        env = terraform_env({**os.environ, **self.env})
        env.update({"TF_IN_AUTOMATION": "1", "TF_INPUT": "0"})
        done = subprocess.run(
            [TERRAFORM, f"-chdir={self.workdir}", *args], env=env, capture_output=True, text=True, timeout=300
        )
        result = Result(args, done.returncode, done.stdout, done.stderr)
        if check and result.code not in codes:
            raise AssertionError(str(result))
        return result

    def init(self) -> Result:
        return self.run("init", "-no-color")

    def plan(self, *extra: str, check: bool = True, codes: tuple[int, ...] = (0, 2)) -> Result:
        """``plan -detailed-exitcode``: 0 no changes, 2 changes, 1 error."""
        return self.run("plan", "-no-color", "-detailed-exitcode", *extra, check=check, codes=codes)

    def apply(self, *extra: str, check: bool = True) -> Result:
        return self.run("apply", "-no-color", "-auto-approve", *extra, check=check)

    def destroy(self, check: bool = True) -> Result:
        return self.run("destroy", "-no-color", "-auto-approve", check=check)

    def show_json(self, *target: str) -> dict[str, Any]:
        """``show -json`` of the state, or of a saved plan file."""
        return json.loads(self.run("show", "-json", *target).stdout)

    def state(self) -> dict[str, dict[str, Any]]:
        """Each managed resource's attribute values, by address."""
        root = self.show_json().get("values", {}).get("root_module", {})
        return {r["address"]: r["values"] for r in root.get("resources", [])}


def provider_block(**settings: Any) -> dict[str, Any]:
    """The ``terraform`` and ``provider`` blocks of a Terraform JSON config using kvmhost."""
    return {
        "terraform": {"required_providers": {"kvmhost": {"source": SOURCE}}},
        "provider": {"kvmhost": settings},
    }


@contextmanager
def reattached_provider(log: Path | None = None) -> Iterator[dict[str, str]]:
    """One provider process in dev mode (its stderr into ``log``); yields the environment that makes Terraform use it."""
    env = terraform_env({**os.environ, "PYTHONUNBUFFERED": "1"})
    stderr = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen([PROVIDER, "--dev"], env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "TF_REATTACH_PROVIDERS=" in line:
                value = line.split("=", 1)[1].strip().strip("'")
                break
        else:
            raise RuntimeError(f"{PROVIDER} --dev exited with {proc.wait()} before printing its address")
        yield {"TF_REATTACH_PROVIDERS": value}
    finally:
        proc.send_signal(signal.SIGINT)  # lets it remove its socket folder
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            stderr.close()  # type: ignore[union-attr]


def installed_provider(mirror: Path) -> dict[str, str]:
    """``fgtha provider install --mirror MIRROR``; the environment selecting the CLI config it printed."""
    done = subprocess.run(
        [FGTHA, "provider", "install", "--mirror", str(mirror)], capture_output=True, text=True, check=True
    )
    return {"TF_CLI_CONFIG_FILE": done.stdout.strip()}
