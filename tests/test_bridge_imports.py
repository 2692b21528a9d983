"""What importing a part of the bridge helper loads: only that part (the provider imports the config at validate time)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import {module}
print(" ".join(sorted(m for m in sys.modules if m.startswith("fgtha.bridge."))))
"""


def loaded(module: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_the_config_and_the_request_rules_load_no_planner_journal_or_socket() -> None:
    assert loaded("fgtha.bridge.config") == {"fgtha.bridge.config"}
    assert loaded("fgtha.bridge.validate") == {"fgtha.bridge.config", "fgtha.bridge.validate"}


def test_the_package_names_load_their_modules_on_first_use() -> None:
    got = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, fgtha.bridge as b; b.HostNetwork; print('fgtha.bridge.host' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert got.stdout.strip() == "True"
    assert "fgtha.bridge.netlink" not in loaded("fgtha.bridge")
