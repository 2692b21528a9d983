"""FortiOS and FortiGate-VM facts that the rules enforce (see docs/fortios-facts.md for sources)."""

#: `config system ha` group-id range on FortiOS 7.0.2+ / 7.2+ (0-255 on 6.2).
GROUP_ID_MAX = 1023
#: group-name length limit (fortios provider validation: 0-32).
GROUP_NAME_MAX = 32
#: `config system ha` password length limit (fortios provider: 0-128).
HA_PASSWORD_MAX = 128
#: hbdev interface priority range (0-512).
HB_PRIORITY_MAX = 512
#: `config system global` hostname limit in the fortios provider.
FORTIOS_HOSTNAME_MAX = 35
#: Linux IFNAMSIZ - 1: longest bridge, uplink or tap name.
IFNAME_MAX = 15
#: Link MTU range the spec accepts (IPv4 minimum to the kernel's maximum).
MTU_MIN = 68
MTU_MAX = 65535
#: FGCP clusters have at most four members.
FGCP_MAX_MEMBERS = 4
#: Unicast heartbeat (`unicast-hb`) supports exactly two FortiGate-VMs.
UNICAST_MEMBERS = 2
#: vNICs a FortiGate-VM takes on KVM (port1..port24).
MAX_VNICS = 24
#: FortiGate-VM minimums for FortiOS 7.x.
MIN_VCPU = 1
MIN_MEMORY_MIB = 2048
#: FortiGate-VM licences stop at 32 vCPU below the unlimited (VM-UL / FortiFlex "2147483647") tier.
LICENSED_VCPU_MAX = 32
#: Most vCPUs a KVM guest can have (KVM_MAX_VCPUS on x86-64), hence a FortiGate-VM on KVM.
MAX_VCPU = 1024
#: FortiGate-VM licences do not limit memory (FortiOS 6.2.2+); this bound is ours (4 TiB).
MAX_MEMORY_MIB = 4 * 1024 * 1024
#: Longest cluster or host name: a DNS label (they become stack, domain and file names).
NAME_MAX = 63
#: Linux NAME_MAX and PATH_MAX - 1, in bytes: longest file name and path.
FILE_NAME_MAX_BYTES = 255
PATH_MAX_BYTES = 4095
#: Longest libvirt URI and storage pool / nwfilter name the spec accepts (ours: far above real ones).
URI_MAX = 1024
LIBVIRT_NAME_MAX = 255
#: Ethertypes of FGCP traffic: heartbeat, a-a redistribution, session sync, config sync.
FGCP_ETHERTYPES = (0x8890, 0x8891, 0x8892, 0x8893)
#: FGCP virtual-MAC prefixes by group-id range: 0-255, 256-511, 512-767, 768-1023 (FortiOS 7.0.2+,
#: "Extended HA VMAC address range"); the next byte is the group-id's low byte, the last the interface index.
FGCP_VMAC_PREFIXES = ("00:09:0f:09", "e0:23:ff:fc", "e0:23:ff:fd", "e0:23:ff:fe")
#: libvirt nwfilters that drop frames whose source MAC is not the NIC's own
#: (they break FGCP virtual MACs in broadcast mode).
MAC_SPOOF_BLOCKING_NWFILTERS = frozenset(
    {"clean-traffic", "clean-traffic-gateway", "no-mac-spoofing", "no-arp-mac-spoofing", "no-arp-spoofing"}
)
#: `config system api-user`: a key set in the CLI is exactly 30 letters and digits (Fortinet's cloud
#: templates), the name and access profile at most 35 characters (CLI reference).
API_KEY_LENGTH = 30
API_KEY_ALPHABET = "A-Za-z0-9"
API_USER_NAME_MAX = 35
ACCPROFILE_MAX = 35
#: FortiFlex tokens, as Fortinet's examples show them: letters and digits only.
LICENSE_TOKEN_ALPHABET = "A-Za-z0-9"
