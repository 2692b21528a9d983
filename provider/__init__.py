"""terraform-provider-kvmhost: the host side of the cluster (bridges, config drives) as Terraform resources.

Written on the PyPI ``tf`` framework (plugin protocol 6). Importing this package
is cheap: the bridge helper and pycdlib are imported inside the operations that need them.
"""

#: The provider's source address (DESIGN.md, fixed).
SOURCE_ADDRESS = "fgt-kvm-ha.local/fgt-kvm-ha/kvmhost"
#: The version ``fgtha provider install`` publishes in the filesystem mirror.
VERSION = "0.1.0"
