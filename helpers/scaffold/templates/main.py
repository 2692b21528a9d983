from fgtha_stacks.app import run

run(__file__)
