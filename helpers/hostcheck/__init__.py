"""Host checks: is a KVM host ready for the spec's heartbeat mode."""
