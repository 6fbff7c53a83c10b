"""The package's imports: no cycles, and no module imports from a layer above its own.

Imports are read from the source (ast), not by importing it, and every one counts: at module
level, inside functions and under TYPE_CHECKING (a function-level import is how a cycle hides).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import p88

PACKAGE = Path(p88.__file__).parent

# Top to bottom: a module may import from its own layer or any layer below it, never from one
# above. Each entry names a module or package (with everything under it, except the two
# containers in WHOLE_PACKAGE_ONLY); a module belongs to the longest entry that names it.
# The architecture's order (cli/commands -> app -> web, tcp, status -> ask, hub/live, ingest,
# results -> db -> reads, config), with web refined into its own layers, all above tcp and status.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("p88.__main__", "p88.cli", "p88.commands"),
    ("p88.app",),
    # web: serving the port (the front door, Hypercorn's connections) -> app factory -> views
    # and p88's websockets -> what they share -> auth -> the services on the app, form parsing
    ("p88.web.front", "p88.web.http_handoff"),
    ("p88.web.app",),
    ("p88.web.views", "p88.web.api", "p88.web.push"),
    ("p88.web.tenant", "p88.web.display_access"),
    ("p88.web.auth",),
    ("p88.web.services", "p88.web.forms", "p88.web.forwarded", "p88.web.input_guard", "p88.web"),
    ("p88.tcp", "p88.status"),
    # the domain: live sessions and their fan-out, ingest, results, and what they work with
    (
        "p88.ask",
        "p88.hub",
        "p88.live",
        "p88.ingest",
        "p88.results",
        "p88.participants",
        "p88.layouts",
        "p88.displays",
        "p88.stats",
        "p88.demo",
        "p88.ops",
        "p88.ops_state",
    ),
    ("p88.db",),
    ("p88.reads", "p88.config", "p88.passwords", "p88.sampledata", "p88.logredact", "p88"),
)
# Packages whose modules are placed one by one: an unplaced module in them is an error.
WHOLE_PACKAGE_ONLY = frozenset({"p88", "p88.web"})

# Edges that close a cycle, each to be fixed rather than listed. Empty: keep it so.
KNOWN_CYCLE_EDGES: frozenset[tuple[str, str]] = frozenset()

Graph = dict[str, set[str]]


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its __init__)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """The package's modules that `name` imports, anywhere in its source."""
    known = set(known)
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")[: len(name.split(".")) - node.level + is_package]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:  # `from pkg import module` imports the module
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in known else base)
    return {t for t in targets if t in known and t != name}


def import_graph(root: Path = PACKAGE) -> Graph:
    found = modules(root)
    return {name: imports_of(name, path, found) for name, path in found.items()}


def layer_entry(module: str) -> str | None:
    """The LAYERS entry a module belongs to, None if it has none."""
    entries = {entry for layer in LAYERS for entry in layer}
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in entries and (end == len(parts) or candidate not in WHOLE_PACKAGE_ONLY):
            return candidate
    return None


def layer_of(module: str) -> int | None:
    entry = layer_entry(module)
    return next((i for i, layer in enumerate(LAYERS) if entry in layer), None)


def group_of(module: str) -> str:
    """What a module counts as between packages: its LAYERS entry (itself if it has none)."""
    return layer_entry(module) or module


def without(graph: Graph, edges: Iterable[tuple[str, str]]) -> Graph:
    dropped = set(edges)
    return {a: {b for b in targets if (a, b) not in dropped} for a, targets in graph.items()}


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one node (Tarjan, iterative), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, ())))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    part.append(member)
                    if member == node:
                        break
                if len(part) > 1:
                    found.append(sorted(part))
    return sorted(found)


def component_graph(graph: Graph) -> Graph:
    """Imports between LAYERS entries (a package and what is under it count as one)."""
    between: Graph = {}
    for a, targets in graph.items():
        group = group_of(a)
        between.setdefault(group, set()).update(g for g in map(group_of, targets) if g != group)
    return between


def explain(part: list[str], graph: Graph, group: bool = False) -> str:
    """The imports that make up a cycle, one per line."""
    members = set(part)
    lines = []
    for a in sorted(graph):
        for b in sorted(graph[a]):
            ends = (group_of(a), group_of(b)) if group else (a, b)
            if ends[0] in members and ends[1] in members and ends[0] != ends[1]:
                lines.append(f"  {a} -> {b}")
    return "\n".join(lines)


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(m for m in modules() if layer_entry(m) is None)
    assert not unplaced, f"add these modules to LAYERS in {__file__}: {unplaced}"


def test_no_module_imports_from_a_higher_layer() -> None:
    graph = without(import_graph(), KNOWN_CYCLE_EDGES)
    upward = []
    for a in sorted(graph):
        for b in sorted(graph[a]):
            source, target = layer_of(a), layer_of(b)
            if source is not None and target is not None and target < source:
                upward.append(f"{a} (layer {source}) -> {b} (layer {target})")
    assert not upward, "imports from a higher layer:\n" + "\n".join(upward)


def test_no_import_cycles_between_modules() -> None:
    graph = without(import_graph(), KNOWN_CYCLE_EDGES)
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n\n".join(explain(part, graph) for part in found)


def test_no_import_cycles_between_packages() -> None:
    # hub -> ingest.records and ingest.writer -> hub close no module cycle, but one of packages.
    graph = without(import_graph(), KNOWN_CYCLE_EDGES)
    found = cycles(component_graph(graph))
    assert not found, "import cycles between packages:\n" + "\n\n".join(
        explain(part, graph, group=True) for part in found
    )


def test_the_known_cycle_edges_still_exist() -> None:
    graph = import_graph()
    gone = sorted(edge for edge in KNOWN_CYCLE_EDGES if edge[1] not in graph.get(edge[0], ()))
    assert not gone, f"remove these from KNOWN_CYCLE_EDGES, they are fixed: {gone}"


def test_only_the_pool_module_imports_triopg_and_trio_asyncio() -> None:
    bridge = {"triopg", "trio_asyncio"}
    importers = set()
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                tops = {(node.module or "").split(".")[0]}
            else:
                continue
            if tops & bridge:
                importers.add(name)
    assert importers == {"p88.db.pool"}


def test_the_checks_find_a_cycle_and_an_upward_import() -> None:
    # The checks themselves, on a made-up graph: views <-> app is a cycle and views -> app is
    # an import from a higher layer.
    graph = {"p88.web.views.x": {"p88.web.app"}, "p88.web.app": {"p88.web.views.x"}}
    assert cycles(graph) == [["p88.web.app", "p88.web.views.x"]]
    assert layer_of("p88.web.app") == 3 and layer_of("p88.web.views.x") == 4
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
