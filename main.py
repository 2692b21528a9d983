"""Main job on the shipped example: validate it and render both units' bootstrap."""

from fgtha.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["render", "examples/unicast-two-hosts.yaml", "--redact"]))
