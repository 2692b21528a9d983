"""Terraform plumbing: the embedded Terraform's environment and command line, and plan reports."""
