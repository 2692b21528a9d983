"""One rule per secret on every path: the CLI's check and the synthesized Terraform validation agree."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from conftest import REPO

from fgtha.fortios.secrets import API_KEY, SecretRule

TERRAFORM = REPO / ".venv" / "bin" / "fgtha-terraform"
MAX = 40
RULE = SecretRule("a test secret", max_length=MAX)
VALUES = [
    "plain",
    "with spaces & $ signs",
    '${file("/etc/hostname")}',
    "%{ for x in [1] }x%{ endfor }",
    "single ' quote",
    "pässwörd ünïcode",
    'has"quote',
    "back\\slash",
    "new\nline",
    "tab\there",
    "esc\x1b[2J",
    "del\x7f",
    "",
    "x" * MAX,
    "x" * (MAX + 1),
]


def refused_by_terraform(folder: Path, rule: SecretRule, values: list[str]) -> set[int]:
    """Indexes of ``values`` that real Terraform refuses, each given to a variable validated by ``rule``."""
    variables = {
        f"v{i}": {
            "type": "string",
            "sensitive": True,
            "validation": [{"condition": c, "error_message": m} for c, m in rule.terraform_conditions(f"v{i}")],
        }
        for i in range(len(values))
    }
    text = json.dumps({"variable": variables}, indent=2)
    (folder / "main.tf.json").write_text(text)
    owner: dict[int, int] = {}  # line number -> the variable whose block holds it
    current = -1
    for number, line in enumerate(text.splitlines(), 1):
        if match := re.match(r'    "v(\d+)": \{', line):
            current = int(match.group(1))
        owner[number] = current
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_VAR_")}
    env.update({f"TF_VAR_v{i}": value for i, value in enumerate(values)})
    subprocess.run([str(TERRAFORM), f"-chdir={folder}", "init", "-input=false"], check=True, capture_output=True)
    done = subprocess.run(
        [str(TERRAFORM), f"-chdir={folder}", "plan", "-input=false", "-no-color"],
        capture_output=True,
        text=True,
        env=env,
    )
    lines = re.findall(r"checked by the validation rule at main\.tf\.json:(\d+),", done.stderr)
    assert done.returncode == (1 if lines else 0), done.stderr
    return {owner[int(n)] for n in lines}


def test_the_cli_rule_and_the_terraform_validation_agree(tmp_path: Path) -> None:
    by_cli = {i for i, value in enumerate(VALUES) if RULE.problem(value)}
    assert by_cli == {2, 6, 7, 8, 9, 10, 11, 12, 14}
    assert refused_by_terraform(tmp_path, RULE, VALUES) == by_cli


def test_the_api_key_rule_agrees_too(tmp_path: Path) -> None:
    values = ["A" * 30, "a1" * 15, "A" * 29, "A" * 31, "A" * 29 + "-", "A" * 29 + '"', "A" * 29 + "\n", ""]
    by_cli = {i for i, value in enumerate(values) if API_KEY.problem(value)}
    assert by_cli == {2, 3, 4, 5, 6, 7}
    assert refused_by_terraform(tmp_path, API_KEY, values) == by_cli
