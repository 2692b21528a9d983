"""FortiOS bootstrap rendering and secret resolution."""

from __future__ import annotations

import difflib
import re
import subprocess
import sys

import pytest
from conftest import EXAMPLES, REPO
from test_model_rules import BROADCAST, UNICAST, mutate

from fgtha.fortios.bootstrap import fortios_quote, render_all, render_unit
from fgtha.fortios.secrets import BootstrapSecrets, resolve_secrets
from fgtha.spec.model import ClusterSpec, load_spec
from fgtha.spec.problems import SpecError

GOLDEN = REPO / "tests" / "golden"
FAKE = BootstrapSecrets(ha_password="golden-ha-password", admin_password="golden-admin-password")
EXAMPLE_NAMES = (UNICAST, BROADCAST)

#: Lines that may differ between units: settings FortiOS does not synchronize.
NOT_SYNCHRONIZED = re.compile(r"^\s+set (hostname|priority|override|ip|gateway|unicast-hb-peerip) ")


def spec_of(name: str) -> ClusterSpec:
    return load_spec(EXAMPLES / f"{name}.yaml")


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_matches_the_golden_files(name: str) -> None:
    rendered = render_all(spec_of(name), FAKE)
    assert list(rendered) == ["fgt-a", "fgt-b"]
    for unit, text in rendered.items():
        assert text == (GOLDEN / f"{name}-{unit}.conf").read_text(), f"{name}-{unit}.conf"


def test_output_is_identical_across_processes() -> None:
    code = (
        "from fgtha.spec.model import load_spec; from fgtha.fortios.bootstrap import render_all; from fgtha.fortios.secrets import BootstrapSecrets;"
        f"print(''.join(render_all(load_spec({str(EXAMPLES / (UNICAST + '.yaml'))!r}), BootstrapSecrets('x', 'y')).values()), end='')"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": seed}
        ).stdout
        for seed in ("1", "2")
    }
    assert runs == {"".join(render_all(spec_of(UNICAST), BootstrapSecrets("x", "y")).values())}


def _differing_lines(a: str, b: str) -> list[str]:
    return [line[2:] for line in difflib.ndiff(a.splitlines(), b.splitlines()) if line[:2] in ("- ", "+ ")]


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        (UNICAST, {}),
        (BROADCAST, {}),
        (UNICAST, {"units[1].mgmt_gateway": "192.0.2.254"}),
        (BROADCAST, {"units[1].mgmt_gateway": None}),
    ],
)
def test_units_differ_only_in_settings_fortios_does_not_synchronize(name: str, changes: dict[str, object]) -> None:
    spec = ClusterSpec.model_validate(mutate(name, changes))
    a, b = (render_unit(spec, unit, FAKE) for unit in spec.units)
    differing = _differing_lines(a, b)
    assert any("set hostname" in line for line in differing)
    assert [line for line in differing if not NOT_SYNCHRONIZED.match(line)] == []


def test_synchronized_setting_difference_would_be_caught() -> None:
    assert not NOT_SYNCHRONIZED.match('    set group-name "x"')
    assert not NOT_SYNCHRONIZED.match('    set hbdev "port3" 50')


def test_broadcast_output_has_no_unicast_settings() -> None:
    for text in render_all(spec_of(BROADCAST), FAKE).values():
        assert "unicast" not in text
        assert 'edit "port3"' not in text and 'edit "port4"' not in text  # heartbeat ports get no address


def test_unicast_output_has_every_unicast_setting() -> None:
    spec = spec_of(UNICAST)
    text = render_unit(spec, spec.units[0], FAKE)
    for line in ("set unicast-hb enable", "set unicast-hb-peerip 10.255.0.2", "set unicast-hb-netmask 255.255.255.252"):
        assert f"    {line}\n" in text
    assert 'edit "port3"\n        set mode static\n        set ip 10.255.0.1 255.255.255.252\n' in text


def test_values_are_quoted_the_fortios_way() -> None:
    spec = ClusterSpec.model_validate(mutate(UNICAST, {"cluster.group_name": 'a"b\\c d'}))
    text = render_unit(spec, spec.units[0], BootstrapSecrets(ha_password="p w", admin_password="x"))
    assert '    set group-name "a\\"b\\\\c d"\n' in text
    assert '    set password "p w"\n' in text
    assert fortios_quote('x"\\') == '"x\\"\\\\"'


@pytest.mark.parametrize("value", ["g\nset password EVIL\nend", "g\rx", "g\x00", "g\u2028x", "g\x1b[2J"])
def test_a_value_never_becomes_a_second_cli_line(value: str) -> None:
    with pytest.raises(SpecError):
        ClusterSpec.model_validate(mutate(UNICAST, {"cluster.group_name": value}))
    with pytest.raises(ValueError, match="control character"):
        fortios_quote(value)  # the last line of defence, should the model ever let one through


def test_secrets_go_in_verbatim_so_sentinels_can_be_replaced() -> None:
    spec = spec_of(UNICAST)
    text = render_unit(spec, spec.units[1], BootstrapSecrets("SENTINEL-HA-1f3a", "SENTINEL-ADMIN-9c2e"))
    assert text.count('"SENTINEL-HA-1f3a"') == 1 and text.count('"SENTINEL-ADMIN-9c2e"') == 1


@pytest.mark.parametrize(
    ("ha", "admin", "path", "fragment"),
    [
        ("", "ok", "secrets.ha_password", "is empty"),
        ("x" * 129, "ok", "secrets.ha_password", "at most 128"),
        ("ok", "two\nlines", "secrets.admin_password", "newline"),
        ('has"quote', "ok", "secrets.ha_password", "no double quote"),
        ("ok", "back\\slash", "secrets.admin_password", "backslash"),
        ("del\x7f", "ok", "secrets.ha_password", "control character"),
    ],
)
def test_values_fortios_cannot_take_are_refused(ha: str, admin: str, path: str, fragment: str) -> None:
    with pytest.raises(SpecError) as info:
        BootstrapSecrets(ha, admin)
    assert info.value.problems[0].path == path and fragment in info.value.problems[0].message
    assert BootstrapSecrets("x" * 128, "ok").ha_password == "x" * 128


def test_secret_values_never_show_in_repr() -> None:
    assert "golden" not in repr(FAKE)


def test_secrets_resolve_from_terraform_variables_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = ClusterSpec.model_validate(mutate(UNICAST, {"secrets.admin_password": {"env": "FGT_ADMIN"}}))
    monkeypatch.setenv("TF_VAR_fgt_ha_password", "from-tf-var")
    monkeypatch.setenv("FGT_ADMIN", "from-env")
    assert resolve_secrets(spec, prompt=False) == BootstrapSecrets("from-tf-var", "from-env")


def test_missing_secrets_name_every_path_and_how_to_set_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_VAR_fgt_ha_password", raising=False)
    monkeypatch.delenv("TF_VAR_fgt_admin_password", raising=False)
    with pytest.raises(SpecError) as info:
        resolve_secrets(spec_of(UNICAST), prompt=True)  # pytest's stdin is not a terminal: no prompt
    assert [str(p) for p in info.value.problems] == [
        "secrets.ha_password: no value: set the environment variable TF_VAR_fgt_ha_password (or run on a terminal to be asked)",
        "secrets.admin_password: no value: set the environment variable TF_VAR_fgt_admin_password (or run on a terminal to be asked)",
    ]
