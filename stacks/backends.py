"""The Terraform backend of one stack, from the site's ``state`` setting: each stack its own state.

| state | per stack | secrets from |
|---|---|---|
| ``local`` | ``<dir>/<stack>.tfstate`` (dir mode 0700, created by the app) | — |
| ``pg`` | schema ``<schema_prefix><stack>`` (``-`` -> ``_``) | ``PG_CONN_STR`` |
| ``s3`` | key ``<key_prefix>/<stack>.tfstate``, lock file beside it | the AWS environment |
| ``http`` | ``{stack}`` in each address replaced | ``TF_HTTP_USERNAME`` / ``TF_HTTP_PASSWORD`` |

A stack gets its backend once, here; no code adds another (cdktf refuses a second construct named
``backend``, Terraform a second backend block).
"""

from __future__ import annotations

import os
from typing import Any

from fgtha.project import PG_IDENTIFIER_MAX, STACK_PLACEHOLDER, State
from fgtha.spec.problems import Problem, SpecError
from fgtha_constructs.cdk import Construct, TerraformBackend, TerraformStack, deep_merge, stack_of

#: Where a stack's working folder (``cdktf.out/stacks/<stack>``) sits below the repository root.
_ROOT_FROM_STACK = "../../.."


def pg_schema(prefix: str, stack: str) -> str:
    """The PostgreSQL schema holding one stack's state; refused when PostgreSQL would truncate it."""
    schema = prefix + stack.replace("-", "_")
    if len(schema) > PG_IDENTIFIER_MAX:
        raise SpecError(
            [
                Problem(
                    "context.fgtha.state.pg.schema_prefix",
                    f"schema {schema!r} of stack {stack} is longer than PostgreSQL's {PG_IDENTIFIER_MAX} characters: "
                    "use a shorter schema_prefix or cluster name",
                )
            ]
        )
    return schema


def backend_settings(state: State, stack: str) -> tuple[str, dict[str, Any]]:
    """``(backend type, its settings)`` for ``stack``: what goes into ``terraform.backend`` of its JSON."""
    if state.pg is not None:
        return "pg", {"schema_name": pg_schema(state.pg.schema_prefix, stack)}
    if state.s3 is not None:
        s3 = state.s3
        return "s3", {
            "bucket": s3.bucket,
            "key": f"{s3.key_prefix}/{stack}.tfstate",
            "region": s3.region,
            "encrypt": s3.encrypt,
            "use_lockfile": s3.use_lockfile,
        }
    if state.http is not None:
        http = state.http

        def at(address: str | None) -> str:
            return (address or http.address).replace(STACK_PLACEHOLDER, stack)

        return "http", {
            "address": at(http.address),
            "lock_address": at(http.lock_address),
            "unlock_address": at(http.unlock_address),
            "lock_method": http.lock_method,
            "unlock_method": http.unlock_method,
            "skip_cert_verification": http.skip_cert_verification,
        }
    folder = state.local_dir or ""
    base = folder if os.path.isabs(folder) else f"{_ROOT_FROM_STACK}/{folder}"
    return "local", {"path": f"{base}/{stack}.tfstate"}


class StackBackend(TerraformBackend):
    """The one backend of a stack, with settings from :func:`backend_settings`.

    The settings are written by the stack (a :class:`~fgtha_constructs.cdk.TerraformStack`) into cdktf's
    JSON of the backend, with any override over them as cdktf merges it: no callback from Node.js.
    """

    def __init__(self, scope: Construct, *, state: State, stack: str) -> None:
        owner = stack_of(scope)
        if not isinstance(owner, TerraformStack):
            raise TypeError(f"backend of {stack}: its stack must be a fgtha_constructs.cdk.TerraformStack")
        self._kind, self._settings = backend_settings(state, stack)
        super().__init__(scope, "backend", self._kind)
        owner.complete_with(self._complete)

    def _complete(self, tf: dict[str, Any]) -> None:
        backends = tf["terraform"]["backend"]
        backends[self._kind] = deep_merge(dict(self._settings), backends[self._kind])

    def get_remote_state_data_source(self, scope: Construct, name: str, _from_stack: str) -> Any:
        """Not offered: the cluster's stacks never read each other's state (see ``ClusterStack``)."""
        raise NotImplementedError("the stacks of a cluster do not read each other's state")
