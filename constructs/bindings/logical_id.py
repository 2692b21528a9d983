"""The logical id cdktf gives an element of a stack (its ``friendlyUniqueId``), computed in Python from its path.

cdktf 0.21 and cdktn 0.24 name an element by the construct ids from its stack down to it
(``TerraformStack.allocateLogicalId``, ``makeUniqueId``): one id alone, without the characters Terraform
refuses; several ids joined by ``_`` (without consecutive repeats and ``Resource``, at most 240
characters), then ``_`` and the first 8 hex digits of the MD5 of the ``/``-joined ids, in upper case.
``Default`` ids are left out of both. Asking jsii instead costs a round trip to Node.js per element;
the bindings compare this id with the one cdktf wrote at every synth, so a difference cannot pass unseen.
"""

from __future__ import annotations

import hashlib
import re

_HIDDEN = "Default"
_HIDDEN_FROM_HUMAN = "Resource"
_MAX_HUMAN = 240
_MAX_ID = 255
_DISALLOWED = re.compile(r"[^A-Za-z0-9_-]")


def logical_id(components: list[str]) -> str:
    """The logical id of the element whose construct ids below its stack are ``components``."""
    components = [c for c in components if c != _HIDDEN]
    if not components:
        raise ValueError("an element needs an id below its stack")
    if len(components) == 1:
        alone = _DISALLOWED.sub("", components[0])
        if len(alone) <= _MAX_ID:
            return alone
    digest = hashlib.md5("/".join(components).encode(), usedforsecurity=False).hexdigest()[:8].upper()
    human: list[str] = []
    for component in components:
        if not human or not human[-1].endswith(component):
            human.append(component)
    text = "_".join(_DISALLOWED.sub("", c) for c in human if c != _HIDDEN_FROM_HUMAN)
    return f"{text[:_MAX_HUMAN]}_{digest}"
