"""L1 typed bindings of the Terraform providers (libvirt, fortios, kvmhost) and their schema subsets."""
