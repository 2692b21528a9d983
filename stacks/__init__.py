"""The deployable stacks of a cluster: one host-network stack per KVM host, a cluster stack, a day-2 HA stack.

Importing the package starts the CDK runtime's Node.js side in the background
(:func:`fgtha_constructs.boot.start`): every module here builds on it, and the app's own
imports and spec checks then run while Node.js boots.
"""

from fgtha_constructs import boot

boot.start()
