"""``kvmhost_bridge``: one Linux bridge, its uplink and the uplink's promiscuous mode, through fgtha.bridge.

The bridge helper is imported by the operations that use it, not with this module: the provider process
that only answers Terraform's schema request never loads it.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import MISSING, fields
from typing import TYPE_CHECKING, Any

from tf.iface import Config, CreateContext, DeleteContext, ImportContext, PlanContext, ReadContext, State, UpdateContext
from tf.schema import Attribute, Schema
from tf.types import Bool, Number, String, Unknown

from .base import CANCEL, AttributeProblem, KvmhostResource, all_known, guarded, is_unknown

if TYPE_CHECKING:
    from fgtha.bridge import BridgeConfig, BridgeState, HostNetwork
    from fgtha.remote.host import RemoteHost

    from .hostview import KeptReads

log = logging.getLogger("kvmhost.bridge")

#: Terraform applies resources in parallel; one host change at a time from this process (the library's lock is per host).
_apply_lock = threading.Lock()


@functools.cache
def config_fields() -> tuple[str, ...]:
    """The attributes that are fields of the helper's BridgeConfig."""
    from fgtha.bridge.config import BridgeConfig

    return tuple(f.name for f in fields(BridgeConfig))


def config_problems(values: Config) -> list[AttributeProblem]:
    """Every problem of a bridge configuration (or planned state) that needs no host; unknown values are skipped."""
    from fgtha.bridge.config import BridgeConfig
    from fgtha.bridge.validate import problems

    cfg = BridgeConfig(**{name: values.get(name) for name in config_fields()})
    return [AttributeProblem(field, message) for field, message in problems(cfg)]


class BridgeResource(KvmhostResource):
    """A bridge with an optional uplink; read reports the real host state so plans show drift."""

    @classmethod
    @functools.cache
    def defaults(cls) -> dict[str, Any]:
        """BridgeConfig's defaults (the helper's, the one source of them)."""
        from fgtha.bridge.config import BridgeConfig

        return {f.name: f.default for f in fields(BridgeConfig) if f.default not in (MISSING, None)}

    @classmethod
    def get_name(cls) -> str:
        return "bridge"

    @classmethod
    def get_schema(cls) -> Schema:
        return Schema(
            version=2,
            attributes=[
                Attribute("id", String(), description="The bridge name.", computed=True),
                Attribute(
                    "name",
                    String(),
                    description="Bridge name (at most 15 characters).",
                    required=True,
                    requires_replace=True,
                ),
                Attribute("uplink", String(), description="Interface to enslave to the bridge.", optional=True),
                Attribute(
                    "promiscuous",
                    Bool(),
                    description="Put the uplink in promiscuous mode (default false).",
                    optional=True,
                    computed=True,
                ),
                Attribute(
                    "stp",
                    Bool(),
                    description="Spanning tree on the bridge (default false).",
                    optional=True,
                    computed=True,
                ),
                Attribute(
                    "mtu",
                    Number(),
                    description="Bridge MTU; unset: whatever the kernel and the uplink give, not managed.",
                    optional=True,
                    computed=True,
                ),
                Attribute(
                    "migrate_addresses",
                    Bool(),
                    description="Move the uplink's addresses and routes to the bridge without cutting the host off (default false).",
                    optional=True,
                    computed=True,
                ),
                Attribute("mac", String(), description="The bridge's MAC address.", computed=True),
                Attribute(
                    "host_identity",
                    String(),
                    description="The machine the bridge is on (hostname and /etc/machine-id), recorded on first contact;"
                    " a later run that reaches another machine stops before changing anything.",
                    computed=True,
                ),
            ],
        )

    # ---- configuration ------------------------------------------------------------------------------------------
    def validate(self, diags: Any, type_name: str, config: Config) -> None:
        super().validate(diags, type_name, config)  # type: ignore[misc]
        for problem in config_problems(config):
            diags.add_error(
                f"{type_name}: {problem.attribute}: {problem.message}", problem.message, path=[problem.attribute]
            )

    def desired(self, state: State) -> BridgeConfig:
        from fgtha.bridge.config import BridgeConfig

        mtu = state.get("mtu")
        return BridgeConfig(
            name=state["name"],
            uplink=state.get("uplink"),
            promiscuous=bool(state.get("promiscuous")),
            stp=bool(state.get("stp")),
            mtu=None if mtu is None or is_unknown(mtu) else int(mtu),
            migrate_addresses=bool(state.get("migrate_addresses")),
        )

    def host(self) -> HostNetwork | RemoteHost:
        """Where this provider acts: its SSH host, or this machine (or namespace), whose applies stop and roll back
        when CANCEL says so."""
        if self.provider.remote is not None:
            return self.provider.remote  # type: ignore[no-any-return]
        return self.local_host()

    def local_host(self) -> HostNetwork:
        """This machine, or the provider's namespace on it."""
        from fgtha.bridge import HostNetwork

        netns = self.provider.netns
        return HostNetwork(
            netns, label=f"netns {netns}" if netns else "this host", notify=log.warning, stop=CANCEL.reason
        )

    def reads(self) -> KeptReads | RemoteHost:
        """Where reads and plans go: the SSH host, or the snapshot of this machine kept for the command (HostView)."""
        if self.provider.remote is not None:
            return self.provider.remote  # type: ignore[no-any-return]
        return self.provider.view.reads(self.local_host)  # type: ignore[no-any-return]

    def same_host(self, recorded: str | None) -> str:
        """The identity of the machine the provider reaches; AttributeProblem when the state recorded another one."""
        found: str = self.provider.identity()
        if recorded and recorded != found:
            raise AttributeProblem(
                "host_identity",
                f"this bridge belongs to {recorded}, but {self.provider.where()} reached {found}. The stack points at "
                "another machine (a re-used address, the wrong runner, a local stack run elsewhere); nothing was "
                "changed. Fix the host's uri or ssh block, or remove the resource from this state.",
            )
        return found

    @contextmanager
    def changing(self, ctx: Any) -> Iterator[HostNetwork | RemoteHost]:
        """One host change: counted as in flight (the process ends only after it), one at a time in this process.

        When the lock's holder before us was killed mid-apply, its changes are
        undone first; a warning diagnostic says so.
        """
        with CANCEL.operation(), _apply_lock, self.provider.view.changing(), self.host() as net:
            yield net
        recovered = getattr(net, "recovered", None)
        if recovered:
            ctx.diagnostics.add_warning(f"{ctx.type_name}: an earlier apply was interrupted", recovered)

    # ---- plan ---------------------------------------------------------------------------------------------------
    @guarded("plan", keep=1)
    def plan_change(self, ctx: PlanContext, prior: State | None, proposed: State, config: Config) -> State:
        planned = self.with_defaults(proposed, config)
        planned["id"] = planned["name"]
        uplink_changes = prior is None or is_unknown(planned["uplink"]) or prior["uplink"] != planned["uplink"]
        if config.get("mtu") is None:
            planned["mtu"] = Unknown if uplink_changes else prior["mtu"]  # type: ignore[index]
        planned["mac"] = Unknown if uplink_changes else prior["mac"]  # type: ignore[index]
        found = config_problems(planned)
        if found:
            raise found[0]
        planned["host_identity"] = self.same_host(prior.get("host_identity") if prior else None)
        if all_known(planned[k] for k in ("name", "uplink", "promiscuous", "stp", "migrate_addresses")):
            host = self.reads()
            plan = host.plan([self.desired(planned)])  # raises BridgeError for what only the host can tell
            existing = host.read(planned["name"]) if prior is None else None
            if existing is not None:
                ctx.diagnostics.add_warning(
                    f"{ctx.type_name}: bridge {planned['name']} already exists on {planned['host_identity']}",
                    f"This stack adopts the existing bridge (made by hand or by `fgtha host apply`) and manages it "
                    f"from now on; changes to it: {'; '.join(map(str, plan)) or 'none'}.",
                    path=["name"],
                )
        return planned

    # ---- lifecycle ----------------------------------------------------------------------------------------------
    def apply(self, ctx: Any, planned: State) -> State:
        """Bring the host to ``planned``; the state after it (computed values read back)."""
        self.same_host(planned.get("host_identity"))
        with self.changing(ctx) as net:
            plan = net.apply([self.desired(planned)])
            if not plan.empty:
                log.info("bridge %s: %s", planned["name"], plan)
            real = net.read(planned["name"])
        if real is None:
            raise AttributeProblem("name", f"bridge {planned['name']} vanished right after it was applied")
        state = dict(planned)
        if is_unknown(state["mtu"]):
            state["mtu"] = real.mtu
        state["mac"] = real.mac
        state["host_identity"] = self.same_host(planned.get("host_identity"))
        return self.complete(state)

    @guarded("create", keep=None)
    def create(self, ctx: CreateContext, planned: State) -> State:
        return self.apply(ctx, planned)

    @guarded("update", keep=0)
    def update(self, ctx: UpdateContext, current: State, planned: State) -> State:
        return self.apply(ctx, planned)

    @guarded("read", keep=0)
    def read(self, ctx: ReadContext, current: State) -> State | None:
        identity = self.same_host(current.get("host_identity"))
        real = self.reads().read(current["name"])
        if real is None:
            log.info("bridge %s: gone from the host", current["name"])
            return None
        return self.observed({**current, "host_identity": identity}, real)

    @guarded("delete", keep=0)
    def delete(self, ctx: DeleteContext, current: State) -> None:
        self.same_host(current.get("host_identity"))
        with self.changing(ctx) as net:
            plan = net.apply([], absent=[current["name"]])
        log.info("bridge %s: removed (%s)", current["name"], plan)
        return None

    @guarded("import", keep=None)
    def import_(self, ctx: ImportContext, id: str) -> State | None:
        from fgtha.spec.names import ifname_problem

        problem = ifname_problem(id)
        if problem:
            raise AttributeProblem("name", problem)
        identity = self.same_host(None)
        real = self.reads().read(id)
        if real is None:
            raise AttributeProblem("name", f"no bridge named {id!r} on {identity}")
        return self.observed({"id": id, "name": id, "migrate_addresses": False, "host_identity": identity}, real)

    def observed(self, known: State, real: BridgeState) -> State:
        """The state Terraform should see: what the host really has, plus the intent only the state holds."""
        return self.complete(
            {
                "id": real.name,
                "name": real.name,
                "uplink": real.uplink,
                "promiscuous": real.promiscuous,
                "stp": real.stp,
                "mtu": real.mtu,
                "migrate_addresses": bool(known.get("migrate_addresses")),
                "mac": real.mac,
                "host_identity": known.get("host_identity"),
            }
        )

    def identity(self, state: State) -> Any:
        return state.get("name")
