"""The workspace's menu: one for every role, each entry shown to the roles it names.

A new page adds one ``NavItem`` here (its ``key`` is what the page passes as ``active``,
its ``label`` a text key); sections keep their order.
"""

from __future__ import annotations

from dataclasses import dataclass

OPERATORS = ("supervisor", "admin")
ADMINS = ("admin",)


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    href: str
    roles: tuple[str, ...]
    icon: str = "dot"


@dataclass(frozen=True)
class NavSection:
    label: str
    items: tuple[NavItem, ...]


MENU: tuple[NavSection, ...] = (
    NavSection("nav_overview", (NavItem("home", "nav_home", "/console/home", OPERATORS, "home"),)),
    NavSection(
        "nav_operations",
        (
            NavItem("lists", "nav_lists", "/console/lists", OPERATORS, "list"),
            NavItem("suppressions", "nav_suppressions", "/console/suppressions", OPERATORS, "ban"),
            NavItem("campaigns", "nav_campaigns", "/console/campaigns", OPERATORS, "phone"),
        ),
    ),
    NavSection(
        "nav_quality",
        (
            NavItem("calls", "nav_calls", "/console/calls", OPERATORS, "list"),
            NavItem("reviews", "nav_reviews", "/console/reviews", OPERATORS, "board"),
            NavItem("reports", "nav_reports", "/console/reports", OPERATORS, "chart"),
            NavItem("audit", "nav_audit", "/console/audit", ADMINS, "ban"),
        ),
    ),
    NavSection(
        "nav_agents",
        (
            NavItem("agent", "nav_agent_console", "/console", ("agent",), "headset"),
            NavItem("board", "nav_board", "/console/board", OPERATORS, "board"),
        ),
    ),
    NavSection(
        "nav_admin",
        (
            NavItem("users", "nav_users", "/console/admin/users", ADMINS, "users"),
            NavItem("crm", "nav_crm", "/console/admin/crm", ADMINS, "chart"),
        ),
    ),
)


@dataclass(frozen=True)
class MenuEntry:
    item: NavItem
    active: bool


def menu(role: str, active: str) -> list[tuple[str, list[MenuEntry]]]:
    """The sections and entries ``role`` may open, the ``active`` one marked."""
    out = []
    for section in MENU:
        entries = [MenuEntry(i, i.key == active) for i in section.items if role in i.roles]
        if entries:
            out.append((section.label, entries))
    return out
