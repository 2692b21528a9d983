"""Build the stacks of one cluster spec into a cdktf app.

Stack names: ``<cluster>-network-<host>`` (kvmhost bridges), ``<cluster>-units``
(libvirt domains, volumes, config drives) and ``<cluster>-ha`` (fortios day-2
settings). Deploy order follows the declared dependencies:
network -> units -> ha.

The longest file name made from these names is the local state's lock file
``.<cluster>-network-<host>.tfstate.lock.info``: with the model's name limits
(63 characters each) 154 bytes, well within a file name's 255
(``tests/test_stacks_names.py`` writes every such file at the limits).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fgtha.project import State
from fgtha.spec.model import ClusterSpec, Host
from fgtha_constructs.bindings.expression import Expression
from fgtha_constructs.cdk import App, Construct, TerraformStack
from fgtha_constructs.ha_cluster import DEFAULT_DRIVE_DIR, ClusterHaSettings, ClusterUnits
from fgtha_constructs.host_bridge import HostNetwork

from .backends import StackBackend


@dataclass(frozen=True)
class StackOptions:
    """Where state lives and how the host side is reached.

    ``state`` is the site's backend (``context.fgtha.state``; default: local files in ``.fgtha/state/``),
    one state per stack (:mod:`fgtha_stacks.backends`).
    Each host-network stack reaches its host as the spec says (``hosts[].uri``).
    ``netns`` (tests) makes the stacks act inside network namespaces of this
    machine instead: one name for every host, or a mapping from host name to
    namespace (hosts not in it keep their reach).
    ``allow_destroy`` lifts ``prevent_destroy`` from the units' boot volumes and the day-2 HA settings
    (``context.fgtha.allow_destroy`` or ``FGTHA_ALLOW_DESTROY=1``).
    """

    state: State = State()
    netns: str | Mapping[str, str] | None = None
    allow_destroy: bool = False
    drive_dir: str | Expression = DEFAULT_DRIVE_DIR

    def netns_of(self, host: str) -> str | None:
        """The namespace the stack of ``host`` acts in, or None when it reaches the host as the spec says."""
        if isinstance(self.netns, Mapping):
            return self.netns.get(host)
        return self.netns


class ClusterStack(TerraformStack):
    """A stack of one cluster, with its own state in the site's backend.

    The stacks of a cluster never refer to each other's attributes (they are ordered by
    ``add_dependency`` alone): do not refer to another stack's attributes from these stacks;
    pass values through the spec instead.
    """

    def __init__(self, scope: Construct, name: str, options: StackOptions) -> None:
        super().__init__(scope, name)
        StackBackend(self, state=options.state, stack=name)


class HostNetworkStack(ClusterStack):
    """The bridges of one KVM host, through ``kvmhost``."""

    def __init__(self, scope: Construct, name: str, *, spec: ClusterSpec, host: Host, options: StackOptions) -> None:
        super().__init__(scope, name, options)
        self.network = HostNetwork(self, "network", spec=spec, host=host, netns=options.netns_of(host.name))


class UnitsStack(ClusterStack):
    """The FortiGate-VM units of the cluster, through one libvirt provider alias per host."""

    def __init__(self, scope: Construct, name: str, *, spec: ClusterSpec, options: StackOptions) -> None:
        super().__init__(scope, name, options)
        self.units = ClusterUnits(
            self, "units", spec=spec, drive_dir=options.drive_dir, prevent_destroy=not options.allow_destroy
        )


class HaStack(ClusterStack):
    """Day-2 FGCP settings of every unit, through one fortios provider alias per unit."""

    def __init__(self, scope: Construct, name: str, *, spec: ClusterSpec, options: StackOptions) -> None:
        super().__init__(scope, name, options)
        self.ha = ClusterHaSettings(self, "ha", spec=spec, prevent_destroy=not options.allow_destroy)


@dataclass
class ClusterStacks:
    """The stacks built for one cluster."""

    networks: dict[str, HostNetworkStack] = field(default_factory=dict)
    units: UnitsStack | None = None
    ha: HaStack | None = None


def add_cluster(app: App, spec: ClusterSpec, options: StackOptions = StackOptions()) -> ClusterStacks:
    """Add every stack of ``spec`` to ``app``, with network -> units -> ha dependencies."""
    name = spec.cluster.name
    stacks = ClusterStacks()
    stacks.units = UnitsStack(app, f"{name}-units", spec=spec, options=options)
    for host in spec.hosts:
        network = HostNetworkStack(app, f"{name}-network-{host.name}", spec=spec, host=host, options=options)
        stacks.networks[host.name] = network
        stacks.units.add_dependency(network)
    stacks.ha = HaStack(app, f"{name}-ha", spec=spec, options=options)
    stacks.ha.add_dependency(stacks.units)
    return stacks
