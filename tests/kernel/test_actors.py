"""Who acted and from where: the labels and the audit log's columns of each door."""

from __future__ import annotations

import pytest

from kernel.actors import Actor


def test_each_door_has_its_label_and_columns() -> None:
    cases = [
        (Actor.web("alice"), "user:alice", "alice", "web"),
        (Actor.api("alice"), "user:alice", "alice", "api"),
        (Actor.api("alice", "nightly"), "token:nightly of alice", "alice", "api token:nightly"),
        (Actor.cli("bob"), "cli:bob", "cli:bob", "cli"),
        (Actor.cli("bob", "alice"), "cli:bob as alice", "alice", "cli os:bob"),
        (Actor.system("breaker"), "system:breaker", "system:breaker", "system"),
    ]
    for actor, label, who, where in cases:
        assert (str(actor), actor.who, actor.where) == (label, who, where)


def test_an_actor_names_someone_through_a_known_door() -> None:
    with pytest.raises(ValueError, match="door"):
        Actor("email", "alice")
    with pytest.raises(ValueError, match="user or a name"):
        Actor("web")
