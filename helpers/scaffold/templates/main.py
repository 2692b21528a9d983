from fgtha_stacks.app import main

raise SystemExit(main(__file__))
