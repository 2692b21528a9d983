"""Synthesize the stacks of the shipped example cluster into cdktf.out/ (`python main.py` or `cdktf synth`)."""

from pathlib import Path

from fgtha.spec.model import load_spec
from fgtha_constructs.cdk import App
from fgtha_stacks.cluster_stacks import add_cluster

EXAMPLE = Path(__file__).resolve().parent / "examples" / "unicast-two-hosts.yaml"

if __name__ == "__main__":
    app = App()
    add_cluster(app, load_spec(EXAMPLE))
    app.synth()
