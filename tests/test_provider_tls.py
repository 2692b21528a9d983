"""The provider's certificate cache: made once, reused without cryptography, renewed when damaged or expiring."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fgtha_provider import tls


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_first_start_caches_the_certificate_privately_with_its_expiry(home: Path) -> None:
    chain, _ = tls.self_signed_cert()
    cached = json.loads((home / ".cache/fgtha-kvmhost/tls.json").read_text())
    assert (home / ".cache/fgtha-kvmhost/tls.json").stat().st_mode & 0o777 == 0o600
    assert cached["not_after"] > time.time() + tls.RENEW_BEFORE_SECONDS
    assert tls.self_signed_cert()[0] == chain  # the same certificate on the next start


def test_a_cached_start_does_not_import_cryptography(home: Path) -> None:
    tls.self_signed_cert()
    probe = "import sys; from fgtha_provider import tls; tls.self_signed_cert(); print('cryptography' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], env={"HOME": str(home)}, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.parametrize("damage", ["{not json", '{"not_after": 0, "chain": "", "key_pem": "", "cert_pem": ""}'])
def test_a_damaged_or_expiring_cache_is_renewed(home: Path, damage: str) -> None:
    path = home / ".cache/fgtha-kvmhost/tls.json"
    path.parent.mkdir(parents=True)
    path.write_text(damage)
    chain, _ = tls.self_signed_cert()
    assert chain and json.loads(path.read_text())["not_after"] > time.time()
