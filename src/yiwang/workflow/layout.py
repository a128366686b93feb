"""Left-to-right layered layout (自动布局) of a process graph.

Used to write BPMN DI for the built-in templates and to draw uploaded BPMN files that carry
no diagram information. Nodes are placed in columns by their longest distance from a start
node (back edges — loops such as 退回 — are ignored), and stacked vertically within a column.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

EVENT_SIZE = (36, 36)
TASK_SIZE = (100, 80)
GATEWAY_SIZE = (50, 50)
COLUMN_WIDTH = 160
ROW_HEIGHT = 120
MARGIN_X = 40
MARGIN_Y = 40


@dataclass(frozen=True)
class Bounds:
    x: float
    y: float
    width: float
    height: float

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass
class Layout:
    shapes: dict[str, Bounds] = field(default_factory=dict)
    edges: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


def size_for(kind: str) -> tuple[int, int]:
    if kind.endswith("Event"):
        return EVENT_SIZE
    if kind.endswith("Gateway"):
        return GATEWAY_SIZE
    return TASK_SIZE


def _columns(node_ids: list[str], edges: list[tuple[str, str, str]]) -> dict[str, int]:
    outgoing: dict[str, list[str]] = defaultdict(list)
    incoming: dict[str, int] = defaultdict(int)
    for _flow_id, source, target in edges:
        outgoing[source].append(target)
        incoming[target] += 1
    starts = [n for n in node_ids if incoming[n] == 0] or node_ids[:1]
    # DFS to find back edges (loops), so that the remaining graph is acyclic.
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}
    for root in starts + node_ids:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, index = stack.pop()
            children = outgoing[node]
            if index < len(children):
                stack.append((node, index + 1))
                child = children[index]
                if state.get(child) == 1:
                    back.add((node, child))
                elif child not in state:
                    state[child] = 1
                    stack.append((child, 0))
            else:
                state[node] = 2
    # Longest path over the acyclic remainder (Kahn's order).
    indegree: dict[str, int] = {n: 0 for n in node_ids}
    forward: dict[str, list[str]] = defaultdict(list)
    for _flow_id, source, target in edges:
        if (source, target) in back or source not in indegree or target not in indegree:
            continue
        forward[source].append(target)
        indegree[target] += 1
    column = {n: 0 for n in node_ids}
    queue = [n for n in node_ids if indegree[n] == 0]
    while queue:
        node = queue.pop(0)
        for child in forward[node]:
            column[child] = max(column[child], column[node] + 1)
            indegree[child] -= 1
            if indegree[child] == 0:
                queue.append(child)
    return column


def compute_layout(nodes: list[tuple[str, str]], edges: list[tuple[str, str, str]]) -> Layout:
    """``nodes``: (id, kind) in document order; ``edges``: (flow id, source id, target id)."""
    node_ids = [n for n, _ in nodes]
    kinds = dict(nodes)
    column = _columns(node_ids, edges)
    by_column: dict[int, list[str]] = defaultdict(list)
    for node in node_ids:
        by_column[column[node]].append(node)
    tallest = max((len(v) for v in by_column.values()), default=1)
    middle = MARGIN_Y + (tallest - 1) * ROW_HEIGHT / 2 + TASK_SIZE[1] / 2
    layout = Layout()
    for col, members in by_column.items():
        centre_x = MARGIN_X + col * COLUMN_WIDTH + TASK_SIZE[0] / 2
        for row, node in enumerate(members):
            width, height = size_for(kinds[node])
            centre_y = middle + (row - (len(members) - 1) / 2) * ROW_HEIGHT
            layout.shapes[node] = Bounds(centre_x - width / 2, centre_y - height / 2, width, height)
    detour_y = max((b.bottom for b in layout.shapes.values()), default=0) + 30
    for flow_id, source, target in edges:
        s, t = layout.shapes.get(source), layout.shapes.get(target)
        if s is None or t is None:
            continue
        span = column[target] - column[source]
        if span == 1 or (span > 1 and abs(s.cy - t.cy) < 1 and _clear_row(layout, s, t, column, source, target)):
            if abs(s.cy - t.cy) < 1:
                points = [(s.right, s.cy), (t.x, t.cy)]
            else:
                mid_x = (s.right + t.x) / 2
                points = [(s.right, s.cy), (mid_x, s.cy), (mid_x, t.cy), (t.x, t.cy)]
        else:  # skips columns or goes backwards: route below everything
            points = [(s.cx, s.bottom), (s.cx, detour_y), (t.cx, detour_y), (t.cx, t.bottom)]
            detour_y += 12
        layout.edges[flow_id] = points
    return layout


def _clear_row(layout: Layout, s: Bounds, t: Bounds, column: dict[str, int], source: str, target: str) -> bool:
    """True when no shape lies on the straight horizontal line between ``s`` and ``t``."""
    for node, b in layout.shapes.items():
        if node in (source, target):
            continue
        if s.right < b.cx < t.x and b.y <= s.cy <= b.bottom:
            return False
    return True
