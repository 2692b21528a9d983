"""The cluster model: one validated description of an FGCP HA cluster on KVM.

Every rule of the product lives here, once. Field-level forms and ranges are
pydantic constraints; rules that span fields live in :mod:`fgtha.spec.rules` and run
when a :class:`ClusterSpec` is built. Everything downstream (bootstrap, host
networking, constructs) trusts a built spec and never re-validates it.
"""

# No ``from __future__ import annotations`` in this module: pydantic would then compile every field's annotation
# string when the classes are built (67 compile() calls, about 5 ms of every `fgtha validate`).

import copy
import hashlib
import ipaddress
import re
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .facts import (
    ACCPROFILE_MAX,
    API_USER_NAME_MAX,
    FGCP_VMAC_PREFIXES,
    FORTIOS_HOSTNAME_MAX,
    GROUP_ID_MAX,
    GROUP_NAME_MAX,
    HB_PRIORITY_MAX,
    LIBVIRT_NAME_MAX,
    MAX_MEMORY_MIB,
    MAX_VCPU,
    MIN_MEMORY_MIB,
    MIN_VCPU,
    MTU_MAX,
    MTU_MIN,
    NAME_MAX,
    PATH_MAX_BYTES,
    URI_MAX,
)
from .licence import license_name_problem, read_license, resolve_license
from .loader import FileProblem, load_yaml, read_spec_text
from .names import ifname_problem
from .problems import Problem, SpecError, problems_of_validation_error
from .reach import Reach, SshReach, parse_uri

HeartbeatMode = Literal["unicast", "broadcast"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ENV_OR_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


#: Integers and booleans are taken as such only: ``true`` is no 1, ``1`` is no ``true``, ``2.0`` is no 2.
StrictInt = Annotated[int, Strict()]
StrictBool = Annotated[bool, Strict()]


def _cli_text(value: str) -> str:
    """Text that FortiOS CLI and every other consumer keep on one line: no control or format characters."""
    bad = next((i for i, c in enumerate(value) if not (c.isprintable() or c == " ")), None)
    if bad is not None:
        raise ValueError(
            f"contains a newline or another control character (at position {bad + 1}); it must stay one value on one line"
        )
    return value


def _ip_text(kind: str, example: str, prefix: bool) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, ipaddress.IPv4Interface | ipaddress.IPv4Address | ipaddress.IPv4Network):
            return value
        if not isinstance(value, str):
            raise ValueError(f"must be {kind} written as text, such as {example}")
        if prefix and "/" not in value:
            raise ValueError(
                f"{value!r} has no prefix length; write the address with its network's prefix, such as {value}/24"
            )
        return value

    return BeforeValidator(check)


#: An IPv4 address with its prefix length (``192.0.2.11/24``): never an integer, never an implied /32.
IPv4WithPrefix = Annotated[ipaddress.IPv4Interface, _ip_text("an IPv4 address/prefix", "192.0.2.11/24", True)]
#: An IPv4 address written as text.
IPv4Text = Annotated[ipaddress.IPv4Address, _ip_text("an IPv4 address", "192.0.2.1", False)]
#: An IPv4 network written as text.
IPv4NetworkText = Annotated[ipaddress.IPv4Network, _ip_text("an IPv4 network", "192.0.2.0/24", False)]
#: Keeps a string (paths, URIs, libvirt names) one value on one line.
_ONE_LINE = AfterValidator(_cli_text)
#: A file path: one line, at most PATH_MAX bytes.
FilePath = Annotated[str, Field(min_length=1, max_length=PATH_MAX_BYTES), _ONE_LINE]


class UnicastHeartbeat(NamedTuple):
    """A unit's unicast heartbeat settings."""

    peer_ip: ipaddress.IPv4Address
    netmask: ipaddress.IPv4Address


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _ifname(value: str) -> str:
    problem = ifname_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _name(value: str) -> str:
    if len(value) > NAME_MAX:
        raise ValueError(f"is {len(value)} characters long; a name has at most {NAME_MAX}")
    if not _NAME.match(value):
        raise ValueError(f"{value!r} must start with a letter or digit and use only letters, digits, '_', '.', '-'")
    return value


class SecretRef(_Model):
    """Where a secret comes from: a Terraform variable or an environment variable, never a literal."""

    variable: str | None = None
    env: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_literal(cls, data: Any) -> Any:
        if isinstance(data, str):
            raise ValueError("must be a reference ({variable: NAME} or {env: NAME}), never a literal value")
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        chosen = [v for v in (self.variable, self.env) if v is not None]
        if len(chosen) != 1:
            raise ValueError("give exactly one of 'variable' or 'env'")
        if not _ENV_OR_VAR.match(chosen[0]):
            raise ValueError(f"{chosen[0]!r} is not a valid variable name")
        return self

    @property
    def name(self) -> str:
        """The referenced variable's name."""
        return self.variable or self.env or ""


class Secrets(_Model):
    """References to the cluster's secrets."""

    ha_password: SecretRef
    admin_password: SecretRef
    api_key: SecretRef | None = None


class ApiAdmin(_Model):
    """The REST API administrator each unit's bootstrap creates when ``secrets.api_key`` is set."""

    name: Annotated[str, Field(max_length=API_USER_NAME_MAX)] = "fgtha-terraform"
    accprofile: Annotated[str, Field(min_length=1, max_length=ACCPROFILE_MAX), _ONE_LINE] = "super_admin"
    trusthosts: tuple[IPv4NetworkText, ...] = ()

    _check_name = field_validator("name")(_name)

    @field_validator("trusthosts")
    @classmethod
    def _not_everyone(cls, nets: tuple[ipaddress.IPv4Network, ...]) -> tuple[ipaddress.IPv4Network, ...]:
        if any(net.prefixlen == 0 for net in nets):
            raise ValueError("FortiOS does not allow 0.0.0.0/0 as a REST API trusted host; name the networks")
        return nets


class ClusterSettings(_Model):
    """Cluster-wide FGCP settings (identical on every member)."""

    name: Annotated[str, Field(min_length=1)]
    group_id: Annotated[StrictInt, Field(ge=0, le=GROUP_ID_MAX)] = 0
    group_name: Annotated[str | None, Field(min_length=1, max_length=GROUP_NAME_MAX)] = None
    heartbeat: HeartbeatMode = "unicast"
    session_pickup: StrictBool = True
    override: StrictBool = False
    monitor: tuple[str, ...] = ()
    hb_interval: Annotated[StrictInt, Field(ge=1, le=20)] = 2
    hb_lost_threshold: Annotated[StrictInt, Field(ge=1, le=60)] = 20

    _check_name = field_validator("name")(_name)
    _check_group_name = field_validator("group_name")(lambda v: v if v is None else _cli_text(v))

    @property
    def effective_group_name(self) -> str:
        """The FGCP group-name: ``group_name`` or, by default, the cluster name."""
        return self.group_name or self.name


class Image(_Model):
    """The FortiGate-VM boot image that each unit's disk overlays."""

    path: FilePath
    pool: Annotated[str, Field(min_length=1, max_length=LIBVIRT_NAME_MAX), _ONE_LINE] = "default"
    boot_disk_gib: Annotated[StrictInt, Field(ge=1, le=2048)] = 2
    log_disk_gib: Annotated[StrictInt, Field(ge=1, le=2048)] = 30


class UnitImage(_Model):
    """A unit's own boot image, overriding the cluster's (to move one unit to a new FortiOS first)."""

    path: FilePath


class Bridge(_Model):
    """A Linux bridge on a KVM host."""

    name: str
    uplink: str | None = None
    promiscuous: StrictBool | None = None
    stp: StrictBool = False
    mtu: Annotated[StrictInt | None, Field(ge=MTU_MIN, le=MTU_MAX)] = None
    migrate_addresses: StrictBool = False

    _check_names = field_validator("name", "uplink")(lambda v: v if v is None else _ifname(v))


class SshBlock(_Model):
    """How to reach a host's shell when its libvirt ``uri`` does not say it (for example qemu+tls)."""

    host: Annotated[str, Field(min_length=1), _ONE_LINE]
    user: Annotated[str | None, Field(min_length=1), _ONE_LINE] = None
    port: Annotated[StrictInt | None, Field(ge=1, le=65535)] = None
    keyfile: Annotated[str | None, Field(min_length=1), _ONE_LINE] = None
    known_hosts: Annotated[str | None, Field(min_length=1), _ONE_LINE] = None
    no_verify: StrictBool = False


class Host(_Model):
    """A KVM host and the bridges it carries."""

    name: str
    uri: Annotated[str, Field(min_length=1, max_length=URI_MAX), _ONE_LINE] = "qemu:///system"
    ssh: SshBlock | None = None
    bridges: tuple[Bridge, ...] = ()

    _check_name = field_validator("name")(_name)

    @property
    def reach(self) -> Reach:
        """How this host's shell is reached (None: the machine that runs the command); the ``ssh`` block wins.

        The rules (:func:`fgtha.spec.reach.reach_problems`) check it, so on a built spec this never raises.
        """
        if self.ssh is not None:
            return SshReach.from_block(self.ssh.model_dump())
        return parse_uri(self.uri)

    def bridge(self, name: str) -> Bridge | None:
        """The bridge called ``name`` on this host, if any."""
        return next((b for b in self.bridges if b.name == name), None)


class Port(_Model):
    """One FortiGate port (a virtio NIC, in port order) and where it connects."""

    port: str
    bridge: str | None = None
    macvtap: str | None = None
    heartbeat: StrictBool = False
    hb_priority: Annotated[StrictInt, Field(ge=0, le=HB_PRIORITY_MAX)] = 50
    ha_mgmt: StrictBool = False
    nwfilter: Annotated[str, Field(min_length=1, max_length=LIBVIRT_NAME_MAX), _ONE_LINE] | None = None

    _check_ifnames = field_validator("bridge", "macvtap")(lambda v: v if v is None else _ifname(v))

    @model_validator(mode="after")
    def _one_attachment(self) -> Self:
        if (self.bridge is None) == (self.macvtap is None):
            raise ValueError("give exactly one of 'bridge' (a host bridge) or 'macvtap' (a host NIC)")
        return self

    @property
    def index(self) -> int:
        """The port's number (port3 -> 3); 0 when the name is not of the form portN."""
        m = re.fullmatch(r"port([1-9][0-9]*)", self.port)
        return int(m.group(1)) if m else 0


class Unit(_Model):
    """One FortiGate-VM member of the cluster."""

    name: Annotated[str, Field(max_length=FORTIOS_HOSTNAME_MAX)]
    host: str
    priority: Annotated[StrictInt, Field(ge=0, le=255)] = 128
    vcpu: StrictInt = 2
    memory_mib: StrictInt = 4096
    heartbeat_ip: IPv4WithPrefix | None = None
    mgmt_ip: IPv4WithPrefix
    mgmt_gateway: IPv4Text | None = None
    license_file: str | None = None
    license_token: SecretRef | None = None
    image: UnitImage | None = None

    _check_name = field_validator("name")(_name)

    @model_validator(mode="after")
    def _one_license(self) -> Self:
        if self.license_file is not None and self.license_token is not None:
            raise ValueError("give at most one of 'license_file' (a .lic file) or 'license_token' (a FortiFlex token)")
        return self

    @field_validator("vcpu")
    @classmethod
    def _vcpu_range(cls, v: int) -> int:
        if v < MIN_VCPU:
            raise ValueError(f"FortiGate-VM needs at least {MIN_VCPU} vCPU")
        if v > MAX_VCPU:
            raise ValueError(f"is {v}; a KVM guest has at most {MAX_VCPU} vCPU")
        return v

    @field_validator("memory_mib")
    @classmethod
    def _memory_range(cls, v: int) -> int:
        if v < MIN_MEMORY_MIB:
            raise ValueError(f"FortiGate-VM 7.x needs at least {MIN_MEMORY_MIB} MiB of memory")
        if v > MAX_MEMORY_MIB:
            raise ValueError(f"is {v} MiB; the spec takes at most {MAX_MEMORY_MIB} MiB (4 TiB) per unit")
        return v

    @field_validator("license_file")
    @classmethod
    def _license_name(cls, v: str | None) -> str | None:
        problem = None if v is None else license_name_problem(v)
        if problem:
            raise ValueError(problem)
        return v


class ClusterSpec(_Model):
    """A whole, validated cluster description. Building one runs every rule."""

    cluster: ClusterSettings
    image: Image
    hosts: tuple[Host, ...]
    ports: tuple[Port, ...]
    units: tuple[Unit, ...]
    secrets: Secrets
    api_admin: ApiAdmin = ApiAdmin()

    _source_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _warnings: tuple[Problem, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _validate_everything(cls, data: Any, handler: Any, info: ValidationInfo) -> Self:
        structural: list[Problem] = []
        try:
            spec: Self = handler(data)
        except ValidationError as exc:
            structural = problems_of_validation_error(exc)
            # Unknown fields alone leave the rest checkable: check it in the same run, without them.
            known = _without_unknown_fields(data, exc)
            if known is None:
                raise SpecError(structural) from None
            try:
                spec = handler(known)
            except ValidationError:
                raise SpecError(structural) from None
        source_dir = (info.context or {}).get("source_dir")
        if source_dir:
            spec._source_dir = Path(source_dir)
        from .rules import check  # the cross-field rules need a structurally valid spec

        problems = check(spec)
        errors = structural + [p for p in problems if p.severity == "error"]
        if errors:
            raise SpecError(errors)
        spec._warnings = tuple(p for p in problems if p.severity == "warning")
        return spec

    # ---- derived facts (one source of truth for every consumer) ----------

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Non-fatal findings (for example: a single heartbeat port)."""
        return self._warnings

    @property
    def source_dir(self) -> Path:
        """The folder that relative paths of the spec (licence files) are relative to."""
        return self._source_dir

    def license_path(self, unit: Unit) -> Path | None:
        """The unit's licence file: its real path, inside the spec's folder (:class:`SpecError` if no longer)."""
        if unit.license_file is None:
            return None
        try:
            return resolve_license(self.source_dir, unit.license_file)
        except FileProblem as exc:
            raise SpecError([self._license_problem(unit, exc)]) from None

    def license_text(self, unit: Unit) -> str | None:
        """The unit's licence, read through the same checks that validated it (:class:`SpecError` otherwise)."""
        if unit.license_file is None:
            return None
        try:
            return read_license(self.source_dir, unit.license_file)
        except FileProblem as exc:
            raise SpecError([self._license_problem(unit, exc)]) from None

    def _license_problem(self, unit: Unit, exc: FileProblem) -> Problem:
        return Problem(f"units[{self.units.index(unit)}].license_file", exc.message)

    def unit_image(self, unit: Unit) -> Image:
        """The image the unit's boot disk overlays: its own ``image`` or the cluster's."""
        if unit.image is None:
            return self.image
        return self.image.model_copy(update={"path": unit.image.path})

    @property
    def api_trusthosts(self) -> tuple[ipaddress.IPv4Network, ...]:
        """Networks the REST API administrator accepts: ``api_admin.trusthosts``, else the units' management networks."""
        if self.api_admin.trusthosts:
            return self.api_admin.trusthosts
        return tuple(dict.fromkeys(u.mgmt_ip.network for u in self.units))

    def host(self, name: str) -> Host:
        """The host called ``name``; ``KeyError`` naming the known hosts otherwise."""
        for h in self.hosts:
            if h.name == name:
                return h
        raise KeyError(f"no host {name!r}; hosts are: {', '.join(h.name for h in self.hosts)}")

    def unit(self, name: str) -> Unit:
        """The unit called ``name``; ``KeyError`` naming the known units otherwise."""
        for u in self.units:
            if u.name == name:
                return u
        raise KeyError(f"no unit {name!r}; units are: {', '.join(u.name for u in self.units)}")

    @property
    def heartbeat_ports(self) -> tuple[Port, ...]:
        """Ports that carry FGCP heartbeat, in port order."""
        return tuple(p for p in self.ports if p.heartbeat)

    @property
    def unicast_port(self) -> Port | None:
        """In unicast mode, the heartbeat port that carries the unit's heartbeat address."""
        if self.cluster.heartbeat != "unicast" or not self.heartbeat_ports:
            return None
        return self.heartbeat_ports[0]

    @property
    def mgmt_port(self) -> Port:
        """The reserved HA management port, which carries each unit's ``mgmt_ip`` (the rules require one)."""
        return next(p for p in self.ports if p.ha_mgmt)

    @property
    def hbdev(self) -> tuple[tuple[str, int], ...]:
        """``(port, priority)`` pairs of the FGCP ``hbdev`` setting."""
        return tuple((p.port, p.hb_priority) for p in self.heartbeat_ports)

    def unicast_heartbeat(self, unit: Unit) -> UnicastHeartbeat | None:
        """Unicast only: the unit's ``unicast-hb-peerip`` (the other unit's address) and ``unicast-hb-netmask``."""
        if self.cluster.heartbeat != "unicast" or unit.heartbeat_ip is None:
            return None
        peer = next(u for u in self.units if u.name != unit.name)
        assert peer.heartbeat_ip is not None  # the unicast rules require it on every unit
        return UnicastHeartbeat(peer.heartbeat_ip.ip, unit.heartbeat_ip.netmask)

    def bridge_promiscuous(self, host: Host, bridge: Bridge) -> bool:
        """Whether the bridge's uplink is set promiscuous: explicit, or derived for broadcast."""
        if bridge.promiscuous is not None:
            return bridge.promiscuous
        return bridge.uplink is not None and self.cluster.heartbeat == "broadcast" and bridge.name in self.port_bridges

    @cached_property
    def port_bridges(self) -> frozenset[str]:
        """Names of the bridges that carry a FortiGate port."""
        return frozenset(p.bridge for p in self.ports if p.bridge)

    def mac_address(self, unit: Unit, port: Port) -> str:
        """A fixed, locally administered MAC for one unit's port (stable across runs)."""
        digest = hashlib.sha256(f"{self.cluster.name}/{unit.name}/{port.port}".encode()).digest()
        return "52:54:00:" + ":".join(f"{b:02x}" for b in digest[:3])

    def virtual_mac(self, port: Port) -> str:
        """The FGCP virtual MAC of ``port`` in this cluster's range (interface index: the port's number - 1)."""
        group = self.cluster.group_id
        return f"{FGCP_VMAC_PREFIXES[group >> 8]}:{group & 0xFF:02x}:{max(port.index - 1, 0) & 0xFF:02x}"


def _without_unknown_fields(data: Any, exc: ValidationError) -> Any:
    """A copy of ``data`` without the unknown fields, when those are the only problems; None otherwise."""
    errors = exc.errors(include_url=False, include_input=False)
    if not errors or any(err["type"] != "extra_forbidden" for err in errors):
        return None
    known = copy.deepcopy(data)
    for err in errors:
        *parents, key = err["loc"]
        node = known
        for step in parents:
            if isinstance(node, dict) and step in node:
                node = node[step]
            elif isinstance(node, list | tuple) and isinstance(step, int) and step < len(node):
                node = node[step]
            else:
                return None
        if not isinstance(node, dict):
            return None
        node.pop(key, None)
    return known


def load_spec(path: str | Path) -> ClusterSpec:
    """Read and validate a YAML spec file; raise :class:`SpecError` with every problem."""
    return parse_spec(read_spec_text(path), source=str(path))


def parse_spec(text: str, source: str = "<spec>") -> ClusterSpec:
    """Validate YAML text as a cluster spec (bounded: see :mod:`fgtha.spec.loader`)."""
    data = load_yaml(text, source)
    if not isinstance(data, dict):
        raise SpecError(
            [Problem(source, "the spec must be a mapping with cluster, image, hosts, ports, units, secrets")]
        )
    return ClusterSpec.model_validate(
        data, context={"source_dir": str(Path(source).resolve().parent) if source != "<spec>" else None}
    )
