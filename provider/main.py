"""Entry point of ``terraform-provider-kvmhost``: serve the provider to Terraform (``--dev``: reattach mode)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the provider until Terraform stops it; logs go to stderr (stdout carries the handshake)."""
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from tf.runner import run_provider

    from .provider import KvmhostProvider
    from .servicer import use_kvmhost_servicer

    use_kvmhost_servicer()
    run_provider(KvmhostProvider(), list(argv) if argv is not None else sys.argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
