"""Entry point of ``terraform-provider-kvmhost``: serve the provider to Terraform (``--dev``: reattach mode)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the provider until Terraform stops it; logs go to stderr (stdout carries the handshake).

    Once the server has stopped, every RPC has been answered and every file written, so the process ends
    at once: the interpreter's own teardown (gRPC's threads, the thread pool's joins) cost Terraform
    80-275 ms per provider process, three or four times per command.
    """
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from tf.runner import run_provider

    from .provider import KvmhostProvider
    from .servicer import use_kvmhost_servicer
    from .tls import use_cached_certificate

    use_kvmhost_servicer()
    use_cached_certificate()
    provider = KvmhostProvider()
    try:
        run_provider(provider, list(argv) if argv is not None else sys.argv)
    finally:
        provider.close()
    if argv is None:  # the console script: end now (tests calling main() with argv keep their interpreter)
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
