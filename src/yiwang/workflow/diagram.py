"""Server-side SVG diagrams of processes (流程图), drawn from the BPMN DI coordinates.

No JavaScript and nothing from a CDN: the SVG is inlined into guide and case pages. Files
without diagram information are laid out left to right by :mod:`yiwang.workflow.layout`.
Completed steps are green, current steps orange; the SVG has ``role="img"``, a ``<title>``
and a ``<desc>`` listing every step with its state, so screen readers get the same facts.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import gettext as _
from lxml import etree

from yiwang.workflow.bpmn_xml import BPMN_NS, BPMNDI_NS, DC_NS, DI_NS, parse_xml
from yiwang.workflow.layout import Bounds, compute_layout
from yiwang.workflow.models import ProcessDefinition
from yiwang.workflow.validation import FLOW_NODE_TAGS

FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif"
COLOURS = {
    "completed": ("#e6f4ea", "#1e7e34"),
    "current": ("#fff1e0", "#d35400"),
    "pending": ("#ffffff", "#4a5568"),
}
DRAWN_TAGS = FLOW_NODE_TAGS | {"task", "scriptTask", "serviceTask", "callActivity", "subProcess",
                               "intermediateCatchEvent", "intermediateThrowEvent", "inclusiveGateway"}


@dataclass(frozen=True)
class _Node:
    id: str
    kind: str
    name: str
    bounds: Bounds


@dataclass(frozen=True)
class _Edge:
    id: str
    source: str
    target: str
    name: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class _Graph:
    title: str
    nodes: tuple[_Node, ...]
    edges: tuple[_Edge, ...]


_graphs: dict[tuple[int | None, str], _Graph] = {}
_lock = threading.Lock()


def _local(tag: object) -> tuple[str | None, str]:
    if not isinstance(tag, str):
        return None, ""
    q = etree.QName(tag)
    return q.namespace, q.localname


def _graph_from_xml(xml: str) -> _Graph:
    try:
        root = parse_xml(xml)
    except ValueError:
        return _Graph(title="", nodes=(), edges=())
    process = next(iter(root.iterfind(f"{{{BPMN_NS}}}process")), None)
    if process is None:
        return _Graph(title="", nodes=(), edges=())
    raw_nodes = [(e.get("id", ""), _local(e.tag)[1], (e.get("name") or "").strip()) for e in process
                 if _local(e.tag)[1] in DRAWN_TAGS and e.get("id")]
    raw_edges = [(e.get("id", ""), e.get("sourceRef", ""), e.get("targetRef", ""), (e.get("name") or "").strip())
                 for e in process.iterfind(f"{{{BPMN_NS}}}sequenceFlow")]
    shapes: dict[str, Bounds] = {}
    waypoints: dict[str, list[tuple[float, float]]] = {}
    for shape in root.iter(f"{{{BPMNDI_NS}}}BPMNShape"):
        b = shape.find(f"{{{DC_NS}}}Bounds")
        if b is None:
            continue
        try:
            shapes[shape.get("bpmnElement", "")] = Bounds(float(b.get("x", "")), float(b.get("y", "")),
                                                          float(b.get("width", "")), float(b.get("height", "")))
        except ValueError:
            continue
    for edge in root.iter(f"{{{BPMNDI_NS}}}BPMNEdge"):
        points = []
        for p in edge.iterfind(f"{{{DI_NS}}}waypoint"):
            try:
                points.append((float(p.get("x", "")), float(p.get("y", ""))))
            except ValueError:
                points = []
                break
        if len(points) >= 2:
            waypoints[edge.get("bpmnElement", "")] = points
    node_ids = {n[0] for n in raw_nodes}
    edges_ok = [e for e in raw_edges if e[1] in node_ids and e[2] in node_ids]
    if not all(n[0] in shapes for n in raw_nodes) or not all(e[0] in waypoints for e in edges_ok):
        layout = compute_layout([(n[0], n[1]) for n in raw_nodes], [(e[0], e[1], e[2]) for e in edges_ok])
        shapes, waypoints = layout.shapes, layout.edges
    nodes = tuple(_Node(i, k, name, shapes[i]) for i, k, name in raw_nodes)
    edges = tuple(_Edge(i, s, t, name, tuple(waypoints[i])) for i, s, t, name in edges_ok if i in waypoints)
    return _Graph(title=(process.get("name") or "").strip(), nodes=nodes, edges=edges)


def _graph(definition: ProcessDefinition) -> _Graph:
    key = (definition.pk, definition.sha256)
    graph = _graphs.get(key)
    if graph is None:
        graph = _graph_from_xml(definition.bpmn_xml)
        if definition.pk is not None:
            with _lock:
                if len(_graphs) > 512:
                    _graphs.clear()
                _graphs[key] = graph
    return graph


def _wrap(text: str, width: int) -> list[str]:
    """Break a label into lines of about ``width`` CJK characters (Latin counts half)."""
    lines: list[str] = []
    line, used = "", 0.0
    for char in text:
        cost = 0.55 if ord(char) < 0x2E80 else 1.0
        if used + cost > width and line:
            lines.append(line)
            line, used = "", 0.0
        line += char
        used += cost
    if line:
        lines.append(line)
    return lines[:4]


def _text(x: float, y: float, lines: list[str], *, size: int = 13, anchor: str = "middle",
          fill: str = "#1a202c") -> str:
    if not lines:
        return ""
    first = y - (len(lines) - 1) * (size + 2) / 2
    spans = "".join(
        f'<tspan x="{x:g}" y="{first + i * (size + 2):g}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    return (f'<text font-size="{size}" text-anchor="{anchor}" dominant-baseline="middle" fill="{fill}">'
            f"{spans}</text>")


def render_svg(definition: ProcessDefinition, *, completed: Iterable[str] = frozenset(),
               current: Iterable[str] = frozenset()) -> str:
    """The process as an SVG string; ``completed``/``current`` are BPMN element ids."""
    graph = _graph(definition)
    done, now = set(completed), set(current)
    prefix = f"wf{definition.pk or 0}"
    if not graph.nodes:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 200 40" '
                f'aria-labelledby="{prefix}-t"><title id="{prefix}-t">{escape(_("流程图不可用"))}</title></svg>')
    xs = [n.bounds.x for n in graph.nodes] + [p[0] for e in graph.edges for p in e.points]
    ys = [n.bounds.y for n in graph.nodes] + [p[1] for e in graph.edges for p in e.points]
    x2 = [n.bounds.right for n in graph.nodes] + xs
    y2 = [n.bounds.bottom for n in graph.nodes] + ys
    min_x, min_y = min(xs) - 30, min(ys) - 40
    width, height = max(x2) - min_x + 30, max(y2) - min_y + 40
    title = graph.title or definition.name
    kinds = {n.id: n.kind for n in graph.nodes}
    states = []
    for node in graph.nodes:
        if node.kind in ("userTask", "manualTask", "task"):
            state = _("当前环节") if node.id in now else _("已完成") if node.id in done else _("未开始")
            states.append(f"{node.name or node.id}（{state}）")
    description = _("流程环节：") + "；".join(states)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="process-diagram" role="img" '
        f'viewBox="{min_x:g} {min_y:g} {width:g} {height:g}" width="{width:g}" height="{height:g}" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{prefix}-t {prefix}-d" '
        f"font-family={quoteattr(FONT)}>",
        f'<title id="{prefix}-t">{escape(title)}</title>',
        f'<desc id="{prefix}-d">{escape(description)}</desc>',
        "<defs>",
        f'<marker id="{prefix}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#4a5568"/></marker>',
        "</defs>",
    ]
    for edge in graph.edges:
        points = " ".join(f"{x:g},{y:g}" for x, y in edge.points)
        taken = edge.source in done and (edge.target in done or edge.target in now or
                                         kinds.get(edge.target, "").endswith(("Gateway", "Event")))
        colour = COLOURS["completed"][1] if taken else "#4a5568"
        out.append(f'<g class="flow" data-element-id={quoteattr(edge.id)}>'
                   f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.6" '
                   f'marker-end="url(#{prefix}-arrow)"/>')
        if edge.name:
            (ax, ay), (bx, by) = edge.points[0], edge.points[1]
            out.append(_text((ax + bx) / 2 + (8 if ax == bx else 0), (ay + by) / 2 - 10, [edge.name], size=11,
                             anchor="start" if ax == bx else "middle", fill="#4a5568"))
        out.append("</g>")
    for node in graph.nodes:
        b = node.bounds
        status = "current" if node.id in now else "completed" if node.id in done else "pending"
        fill, stroke = COLOURS[status]
        label = node.name
        out.append(f'<g class="node {escape(node.kind)} {status}" data-element-id={quoteattr(node.id)}>')
        out.append(f"<title>{escape(label or node.id)}</title>")
        if node.kind.endswith("Event"):
            r = min(b.width, b.height) / 2
            stroke_width = 3.5 if node.kind == "endEvent" else 1.8
            out.append(f'<circle cx="{b.cx:g}" cy="{b.cy:g}" r="{r:g}" fill="{fill}" stroke="{stroke}" '
                       f'stroke-width="{stroke_width}"/>')
            out.append(_text(b.cx, b.bottom + 14, _wrap(label, 8), size=12))
        elif node.kind.endswith("Gateway"):
            points = f"{b.cx:g},{b.y:g} {b.right:g},{b.cy:g} {b.cx:g},{b.bottom:g} {b.x:g},{b.cy:g}"
            out.append(f'<polygon points="{points}" fill="{fill}" stroke="{stroke}" stroke-width="1.8"/>')
            mark = "+" if node.kind == "parallelGateway" else "×" if node.kind == "exclusiveGateway" else "○"
            out.append(_text(b.cx, b.cy + 1, [mark], size=22, fill=stroke))
            out.append(_text(b.cx, b.y - 12, _wrap(label, 8), size=12))
        else:
            stroke_width = 3 if status == "current" else 1.8
            out.append(f'<rect x="{b.x:g}" y="{b.y:g}" width="{b.width:g}" height="{b.height:g}" rx="10" '
                       f'fill="{fill}" stroke="{stroke}" stroke-width="{stroke_width}"/>')
            out.append(_text(b.cx, b.cy, _wrap(label, max(3, int(b.width / 15))), size=13))
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)
