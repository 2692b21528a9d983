"""Reach a KVM host over SSH: the helper code travels as a zip and answers named operations as JSON.

The controller side is :mod:`.session` (one ``ssh`` process, requests and answers)
and :mod:`.host` (the bridge helper's API on a remote host); the host side is
:mod:`.server` with the operations of :mod:`.operations`. This package's
``__init__`` imports nothing, because the host side runs it too.
"""
