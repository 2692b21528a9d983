"""FortiOS day 0: each unit's bootstrap CLI, the value forms FortiOS takes, and the secrets that go into it."""
