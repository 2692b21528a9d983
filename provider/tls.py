"""The provider's TLS certificate for go-plugin's handshake, loaded without importing ``cryptography``.

``tf`` 1.2.0 caches its self-signed certificate but parses it with ``cryptography`` on every start to check
its expiry (30-70 ms of each provider start, and Terraform starts the provider three or four times per
command). This keeps the same certificate with its expiry next to it, so a start reads one small JSON file;
only when there is none, or it expires within the hour, is ``tf``'s own generator called.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import tf.runner

RENEW_BEFORE_SECONDS = 3600
_tf_generator = tf.runner._self_signed_cert  # type: ignore[attr-defined]


def _cache_path() -> Path:
    return Path.home() / ".cache" / "fgtha-kvmhost" / "tls.json"


def _server_credentials(key_pem: bytes, cert_pem: bytes) -> Any:
    import grpc

    return grpc.ssl_server_credentials([(key_pem, cert_pem)], require_client_auth=False)


def _generate() -> tuple[bytes, Any]:
    """A certificate from ``tf``'s own generator, written to our cache with its expiry."""
    from cryptography import x509

    chain, _ = _tf_generator()  # writes tf's cache, which holds the PEM forms we need
    cached = json.loads(tf.runner._get_cert_cache_path().read_text())
    cert_pem, key_pem = cached["cert_pem"].encode(), cached["key_pem"].encode()
    not_after = x509.load_pem_x509_certificate(cert_pem).not_valid_after_utc.timestamp()
    path = _cache_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    record = {"key_pem": cached["key_pem"], "cert_pem": cached["cert_pem"], "chain": cached["cert_chain"]}
    from fgtha.atomicfile import atomic_write

    atomic_write(path, json.dumps({**record, "not_after": not_after}).encode(), 0o600)
    return chain, _server_credentials(key_pem, cert_pem)


def self_signed_cert() -> tuple[bytes, Any]:
    """The certificate chain (DER) and gRPC server credentials, from the cache while it is valid."""
    try:
        cached = json.loads(_cache_path().read_text())
        if float(cached["not_after"]) - time.time() > RENEW_BEFORE_SECONDS:
            chain = base64.b64decode(cached["chain"])
            return chain, _server_credentials(cached["key_pem"].encode(), cached["cert_pem"].encode())
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no cache yet, or a damaged one: make a new certificate
    return _generate()


def use_cached_certificate() -> None:
    """Make ``tf.runner.run_provider`` take its certificate from :func:`self_signed_cert`."""
    tf.runner._self_signed_cert = self_signed_cert  # type: ignore[attr-defined]
