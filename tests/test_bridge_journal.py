"""The apply journal: what it keeps reads back the same; a journal of another boot or namespace is dropped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fgtha.bridge.changes import AddressChange, CreateBridge, DeleteBridge, RouteChange, SetLink
from fgtha.bridge.journal import Journal, journal_path, read_journal
from fgtha.bridge.snapshot import AF_INET, Address, Link, Route, Snapshot

LINK = Link(3, "up0", "veth", None, True, False, 1500, "02:00:00:00:00:01", False, "")
ADDRESS = Address("up0", AF_INET, "192.0.2.50/24", "192.0.2.255", 0)
ROUTE = Route("up0", AF_INET, "default", "192.0.2.1", 100, 3, 0, None)
CHANGES = (
    CreateBridge("br0", False, "02:00:00:00:00:01"),
    SetLink("br0", "br0", "alias", "fgtha:uplink=up0,mtu=1500,promisc=0,up=1", ""),
    SetLink("br0", "br0", "mtu", 1400, None),
    SetLink("br0", "up0", "master", "br0", None),
    AddressChange("br0", "br0", ADDRESS, add=True),
    RouteChange("br0", "up0", ROUTE, add=False),
    DeleteBridge("br1", Link(4, "br1", "bridge", None, False, False, 1500, "02:00:00:00:00:02", True, "x")),
)
BEFORE = Snapshot({"up0": LINK}, frozenset({ADDRESS}), frozenset({ROUTE}))


def _start(path: Path, netns: str | None) -> Journal:
    return Journal.start(path, netns=netns, label="host kvm1", before=BEFORE, changes=CHANGES)


def test_a_journal_reads_back_what_was_written(tmp_path: Path) -> None:
    path = journal_path(None, tmp_path)
    journal = _start(path, None)
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_journal(path, None).last_started == -1  # type: ignore[union-attr]
    for step in range(3):
        journal.started(step)
    journal.close()
    left = read_journal(path, None)
    assert left is not None
    assert (left.changes, left.before, left.last_started, left.label) == (CHANGES, BEFORE, 2, "host kvm1")
    assert left.begun == CHANGES[:3]
    assert str(left.changes[2]) == "set br0 mtu 1400"


@pytest.mark.parametrize("where", ["boot", "namespace"])
def test_a_journal_of_another_boot_or_namespace_is_dropped(tmp_path: Path, netns: str, where: str) -> None:
    path = journal_path(netns, tmp_path)
    _start(path, netns).close()
    header, *rest = path.read_text().splitlines()
    data = json.loads(header)
    data["namespace"][0 if where == "boot" else 2] = "0" if where == "boot" else 1
    path.write_text("\n".join([json.dumps(data), *rest]) + "\n")
    assert read_journal(path, netns, drop_stale=False) is None and path.exists()
    assert read_journal(path, netns) is None and not path.exists()


def test_a_damaged_journal_is_dropped(tmp_path: Path) -> None:
    path = journal_path("x", tmp_path)
    path.write_text('{"version": 1, "pid"')
    assert read_journal(path, "x") is None and not path.exists()


def test_the_journal_replaces_a_temp_file_a_killed_writer_left_and_leaves_none(tmp_path: Path) -> None:
    path = journal_path(None, tmp_path)
    left_behind = path.with_name(f".{path.name}.tmp")
    left_behind.write_text("half a header")
    path.write_text("an older journal")
    _start(path, None).remove()
    _start(path, None).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    assert read_journal(path, None) is not None
