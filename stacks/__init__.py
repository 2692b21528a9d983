"""The deployable stacks of a cluster: one host-network stack per KVM host, a cluster stack, a day-2 HA stack."""
