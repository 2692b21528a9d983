"""Synthesis in tests that leaves nothing behind: cdktf's ``Testing.app`` makes a ``$TMPDIR/cdktf.outdir.*``
folder (and never removes it) unless it is given an outdir; these helpers give it one and remove it."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fgtha_constructs import cdk


@contextmanager
def scratch_app() -> Iterator[cdk.App]:
    """A ``Testing.app`` whose outdir is a temporary folder, removed on exit."""
    with tempfile.TemporaryDirectory(prefix="fgtha-synth-") as outdir:
        yield cdk.Testing.app(outdir=outdir)


def synth_stack(build: Callable[[cdk.TerraformStack], Any]) -> dict[str, Any]:
    """The Terraform JSON of one stack ``test`` that ``build`` fills."""
    with scratch_app() as app:
        stack = cdk.TerraformStack(app, "test")
        build(stack)
        return json.loads(cdk.Testing.synth(stack))
