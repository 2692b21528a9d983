"""The snapshot a Terraform command's bridge reads share: kept within a command, dropped by a change or a new command."""

from __future__ import annotations

from netns import ip

from fgtha.bridge import HostNetwork
from fgtha_provider.hostview import HostView


def opener(netns: str, opened: list[str]) -> HostNetwork:
    opened.append(netns)
    return HostNetwork(netns)


def test_reads_of_one_command_share_one_reading(netns: str) -> None:
    ip("link", "add", "br-a", "type", "bridge", netns=netns)
    view, opened = HostView(), []
    reads = view.reads(lambda: opener(netns, opened))
    assert reads.read("br-a") is not None and reads.read("br-b") is None
    ip("link", "add", "br-b", "type", "bridge", netns=netns)
    assert reads.read("br-b") is None  # the command's reading: one point in time for all its bridges
    assert reads.plan([]).empty
    assert len(opened) == 1
    view.forget()  # what ConfigureProvider does at the start of each command
    assert reads.read("br-b") is not None
    assert len(opened) == 2


def test_nothing_read_during_or_before_a_change_of_this_process_is_kept(netns: str) -> None:
    view, opened = HostView(), []
    reads = view.reads(lambda: opener(netns, opened))
    assert reads.read("br-c") is None
    with view.changing():
        ip("link", "add", "br-c", "type", "bridge", netns=netns)
        assert reads.read("br-c") is not None  # read afresh: the reading from before the change is gone
        ip("link", "del", "br-c", netns=netns)
        assert reads.read("br-c") is None  # and none is kept while the change runs
    ip("link", "add", "br-c", "type", "bridge", netns=netns)
    assert reads.read("br-c") is not None  # the end of the change drops what was read during it
    assert len(opened) == 4
