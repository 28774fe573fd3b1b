"""State diagrams of a script: Mermaid text, and an SVG drawn here (layered layout).

Global intents are drawn once, from an "any state" node, so the diagram stays readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from scripts.schema import Script

_GLOBAL = "__any__"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    kind: str  # intent | next | retry | global | handoff | slot


def edges(script: Script) -> list[Edge]:
    """All edges; a global intent once from the 'any state' node."""
    out: list[Edge] = []
    for sid, st in script.states.items():
        for intent, t in st.targets().items():
            out.append(Edge(sid, t.to, intent, "intent"))
        if st.end is not None:
            continue
        if st.next:
            out.append(Edge(sid, st.next, "next", "next"))
        for kind in ("no_input", "no_match"):
            then = getattr(st, kind).then if getattr(st, kind) is not None else None
            if then:
                out.append(Edge(sid, then, kind, "retry"))
        if st.capture is not None:
            out.append(Edge(sid, st.capture.then, st.capture.slot, "slot"))
        if st.handoff is not None:
            if st.handoff.on_declined:
                out.append(Edge(sid, st.handoff.on_declined, "no agent", "handoff"))
            if st.handoff.after_agent:
                out.append(Edge(sid, st.handoff.after_agent, "agent hands back", "handoff"))
    for gid, g in script.global_intents.items():
        if g.to:
            out.append(Edge(_GLOBAL, g.to, gid, "global"))
    for kind in ("no_input", "no_match"):
        then = getattr(script.defaults, kind).then
        if then:
            out.append(Edge(_GLOBAL, then, kind, "retry"))
    return [e for e in out if e.target in script.states]


def merged_edges(script: Script) -> list[Edge]:
    """Edges with the same ends and style drawn once, their labels joined."""
    merged: dict[tuple[str, str, str], list[str]] = {}
    kinds: dict[tuple[str, str, str], str] = {}
    for e in edges(script):
        style = "dashed" if e.kind in ("retry", "global", "handoff") else e.kind
        key = (e.source, e.target, style)
        merged.setdefault(key, []).append(e.label)
        kinds.setdefault(key, e.kind)
    return [
        Edge(s, t, ", ".join(labels), kinds[(s, t, st)]) for (s, t, st), labels in merged.items()
    ]


def _label(script: Script, sid: str) -> str:
    st = script.states[sid]
    extra = ""
    if st.end is not None:
        extra = f" [{st.end.disposition}]"
    elif st.handoff is not None:
        extra = f" (handoff: {st.handoff.skill or 'any'})"
    elif st.capture is not None:
        extra = f" (capture {st.capture.slot})"
    return sid + extra


def mermaid(script: Script) -> str:
    """Mermaid flowchart text."""
    lines = [
        "flowchart TD",
        f"  %% {script.id} v{script.metadata.version} ({script.language}): {script.metadata.title}",
        f'  {_GLOBAL}(("any state"))',
    ]
    for sid, st in script.states.items():
        label = _label(script, sid).replace('"', "'")
        if st.end is not None:
            lines.append(f'  {sid}(["{label}"]):::endstate')
        elif st.handoff is not None:
            lines.append(f'  {sid}{{{{"{label}"}}}}:::handoff')
        else:
            lines.append(f'  {sid}["{label}"]')
    lines.append(f"  start((start)) --> {script.start}")
    for e in edges(script):
        arrow = "-.->" if e.kind in ("global", "retry", "handoff") else "-->"
        lines.append(f"  {e.source} {arrow}|{e.label}| {e.target}")
    lines += [
        "  classDef endstate fill:#e8f5e9,stroke:#2e7d32",
        "  classDef handoff fill:#fff3e0,stroke:#ef6c00",
    ]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ SVG
_BOX_H = 34
_GAP_X = 40
_GAP_Y = 70
_CHAR_W = 7.5


def _text_width(text: str) -> float:
    return sum(_CHAR_W * (2 if ord(ch) > 0x2E80 else 1) for ch in text)


def layout(script: Script) -> dict[str, tuple[float, float, float]]:
    """Node -> (x, y, width): layers by longest path from the start (back edges ignored;
    states entered only through a global intent start one layer down; end states share the
    bottom layer), ordered in each layer by the mean position of their parents."""
    es = [e for e in edges(script) if e.source != _GLOBAL]
    from_global = {e.target for e in edges(script) if e.source == _GLOBAL}
    succ: dict[str, list[str]] = {s: [] for s in script.states}
    for e in es:
        succ[e.source].append(e.target)
    # DFS order to find back edges, then longest-path layering on the DAG left.
    order: list[str] = []
    state: dict[str, int] = {}
    back: set[tuple[str, str]] = set()

    def dfs(n: str) -> None:
        state[n] = 1
        for m in succ[n]:
            if state.get(m) == 1:
                back.add((n, m))
            elif m not in state:
                dfs(m)
        state[n] = 2
        order.append(n)

    for root in [script.start, *script.states]:
        if root not in state:
            dfs(root)
    layer: dict[str, int] = {
        n: (1 if n in from_global and n != script.start else 0) for n in script.states
    }
    for n in reversed(order):
        for m in succ[n]:
            if (n, m) not in back:
                layer[m] = max(layer[m], layer[n] + 1)
    bottom = max([layer[n] for n, st in script.states.items() if st.end is None] + [0]) + 1
    for n, st in script.states.items():
        if st.end is not None:
            layer[n] = bottom
    layers: dict[int, list[str]] = {}
    for n in reversed(order):
        layers.setdefault(layer[n], []).append(n)
    pos: dict[str, tuple[float, float, float]] = {
        _GLOBAL: (20.0, 20.0, _text_width("any state") + 20)
    }
    parents: dict[str, list[str]] = {}
    for e in es:
        if (e.source, e.target) not in back:
            parents.setdefault(e.target, []).append(e.source)
    for li in sorted(layers):
        nodes = layers[li]
        if li > 0:
            nodes.sort(
                key=lambda n: (
                    sum(pos[p][0] for p in parents.get(n, []) if p in pos)
                    / max(1, len([p for p in parents.get(n, []) if p in pos]))
                )
            )
        x = 20.0
        y = 20.0 + (li + 1) * (_BOX_H + _GAP_Y)
        for n in nodes:
            w = _text_width(_label(script, n)) + 20
            pos[n] = (x, y, w)
            x += w + _GAP_X
    return pos


def svg(script: Script) -> str:
    """A standalone SVG of the state diagram."""
    pos = layout(script)
    width = max(x + w for x, _, w in pos.values()) + 40
    height = max(y for _, y, _ in pos.values()) + _BOX_H + 40
    colours = {
        "intent": "#37474f",
        "next": "#37474f",
        "slot": "#1565c0",
        "retry": "#9e9e9e",
        "global": "#c62828",
        "handoff": "#ef6c00",
    }
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" font-size="12">',
        "<defs>",
    ]
    for kind, colour in colours.items():
        out.append(
            f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="10" refY="5" '
            f'markerWidth="7" markerHeight="7" orient="auto">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        )
    out.append("</defs>")
    out.append(f"<title>{escape(script.id)} {escape(script.language)}</title>")
    out.append('<rect width="100%" height="100%" fill="white"/>')
    out.append(
        f'<text x="{width - 20:.0f}" y="24" text-anchor="end" font-size="14" font-weight="bold">'
        f"{escape(script.metadata.title)} ({escape(script.language)} "
        f"v{escape(script.metadata.version)})</text>"
    )
    for i, e in enumerate(merged_edges(script)):
        x1, y1, w1 = pos[e.source]
        x2, y2, w2 = pos[e.target]
        sx, sy = x1 + w1 / 2, y1 + _BOX_H
        tx, ty = x2 + w2 / 2, y2
        if ty <= sy:  # back or same-layer edge: loop around on the side
            sy = y1 + _BOX_H / 2
            sx = x1 + w1
            ty = y2 + _BOX_H / 2
            tx = x2 + w2
            c = 60 + 10 * (i % 5)
            d = f"M{sx:.0f},{sy:.0f} C{sx + c:.0f},{sy:.0f} {tx + c:.0f},{ty:.0f} {tx:.0f},{ty:.0f}"
            lx, ly = max(sx, tx) + c * 0.75, (sy + ty) / 2
        else:
            my = (sy + ty) / 2
            d = f"M{sx:.0f},{sy:.0f} C{sx:.0f},{my:.0f} {tx:.0f},{my:.0f} {tx:.0f},{ty:.0f}"
            lx, ly = (sx + tx) / 2, my
        colour = colours[e.kind]
        dash = ' stroke-dasharray="5,4"' if e.kind in ("retry", "global", "handoff") else ""
        out.append(
            f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.2"{dash} '
            f'marker-end="url(#arrow-{e.kind})"><title>{escape(e.source)} → {escape(e.target)}: '
            f"{escape(e.label)}</title></path>"
        )
        out.append(
            f'<text x="{lx:.0f}" y="{ly:.0f}" fill="{colour}" font-size="10" text-anchor="middle">'
            f"{escape(e.label)}</text>"
        )
    for n, (x, y, w) in pos.items():
        if n == _GLOBAL:
            fill, stroke, label, rx = "#ffebee", "#c62828", "any state", _BOX_H / 2
        else:
            st = script.states[n]
            fill, stroke = (
                ("#e8f5e9", "#2e7d32")
                if st.end is not None
                else ("#fff3e0", "#ef6c00")
                if st.handoff is not None
                else ("#eceff1", "#37474f")
            )
            label = _label(script, n)
            rx = _BOX_H / 2 if st.end is not None else 4
            if n == script.start:
                stroke = "#000000"
        out.append(
            f'<g class="state" id="state-{escape(n)}"><rect x="{x:.0f}" y="{y:.0f}" '
            f'width="{w:.0f}" height="{_BOX_H}" rx="{rx:.0f}" fill="{fill}" stroke="{stroke}"/>'
            f'<text x="{x + w / 2:.0f}" y="{y + _BOX_H / 2 + 4:.0f}" text-anchor="middle">'
            f"{escape(label)}</text></g>"
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"
