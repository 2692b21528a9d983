"""How FortiOS spells values, shared by the day-0 CLI bootstrap and the day-2 fortios resources."""

#: Services the reserved HA management interface answers to.
MGMT_ALLOWACCESS = ("ping", "https", "ssh")


def enable(flag: bool) -> str:
    """FortiOS's ``enable`` / ``disable`` for a boolean."""
    return "enable" if flag else "disable"
