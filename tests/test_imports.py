"""The import graph of ``twin/``: no circle anywhere, and no upward import.

Every module is parsed with ``ast`` (nothing is imported), and every import of ``twin.*`` counts,
including those inside functions: a deferred import is still a dependency. Relative imports are
resolved. ``from twin import x`` is an import of the submodule ``twin.x`` when there is one, and
otherwise of the package front door ``twin`` (``twin/__init__.py``), which pulls in the engine.
The implicit execution of parent ``__init__.py`` files is not an edge: only what a module names.

Layers (lowest first; a module imports only its own package and packages of lower layers):

0. ``twin.constants``, ``twin.errors``, ``twin.version``: import nothing from twin;
1. ``twin.kernels``: pure numba; import only other kernels and ``twin.constants``;
2. ``twin.config``: YAML -> frozen scenario;
3. ``twin.orbits`` (where everything is), ``twin.output`` (the run file: never the engine) and
   ``twin.economics`` (mass and money, from the config and /summary values);
4. ``twin.links``: inter-satellite links (topology, link budget, routes of gangs);
5. ``twin.ops``: workload, jobs, policies, faults;
6. ``twin.engine``: the clock and the run;
7. ``twin.report`` (reads files only: see below), ``twin.scaleout``, ``twin.validation``;
8. ``twin.cli``; 9. ``twin.__main__``; the front door ``twin`` above everything (no twin module
   imports it).

The report reads files only: everything it imports, directly or not, is in ``REPORT_MAY_IMPORT``
(constants, errors, the node-mode names, the run-file reader and schema): no engine, inputs,
orbits, config or kernels that compute.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "twin"
FRONT_DOOR = PACKAGE

LAYERS = (
    ("twin.constants", "twin.errors", "twin.version", "twin.numba_cache"),
    ("twin.kernels",),
    ("twin.config",),
    ("twin.orbits", "twin.output", "twin.economics"),
    ("twin.links",),
    ("twin.ops",),
    ("twin.engine",),
    ("twin.report", "twin.scaleout", "twin.validation"),
    ("twin.cli",),
    ("twin.__main__",),
)

KERNELS_MAY_IMPORT_PREFIXES = ("twin.kernels.",)
KERNELS_MAY_IMPORT = {"twin.kernels", "twin.constants", "twin.numba_cache"}

REPORT_MAY_IMPORT_PREFIXES = ("twin.report",)
REPORT_MAY_IMPORT = {
    "twin.constants", "twin.errors", "twin.kernels.layout",  # numbers, exceptions, node-mode names
    # reading run files and sweep tables
    "twin.output.reader", "twin.output.h5open", "twin.output.schema", "twin.output.runlock",
    "twin.output.sweep_table", "twin.output.ledger", "twin.output.tables", "twin.output.cf",
    "twin.output.static", "twin.version",   # attribute helpers and the version the tables' module names
}
# Named in the failure message when the report reaches them (a subset of what REPORT_MAY_IMPORT excludes).
SIMULATOR = {"twin.engine", "twin.engine.simulation", "twin.engine.inputs", "twin.orbits.feed",
             "twin.kernels.node", "twin.config", FRONT_DOOR}


def layer_of(module: str) -> tuple[int, str] | None:
    """(layer, home package) of a twin module; None for the front door."""
    for level, homes in enumerate(LAYERS):
        for home in homes:
            if module == home or module.startswith(home + "."):
                return level, home
    return None


# ---------------------------------------------------------------------- the graph
def module_name(path: Path, root: Path = REPO) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str, root: Path = REPO) -> bool:
    base = root.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _in_package(name: str | None) -> bool:
    return name is not None and (name == PACKAGE or name.startswith(PACKAGE + "."))


def imports_of(source: str, name: str, is_package: bool, root: Path = REPO) -> set[str]:
    """The twin modules that module ``name`` (with this ``source``) imports, anywhere in it."""
    tree = ast.parse(source, filename=name)
    package = name if is_package else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names if _in_package(alias.name)}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                if node.level > 1:
                    parts = parts[:-(node.level - 1)]
                base = ".".join(parts)
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module
            if not _in_package(target):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if is_module(sub, root) else target)
    return out


def import_graph(root: Path = REPO) -> dict[str, set[str]]:
    """Module -> the twin modules it imports, for every ``.py`` under ``root/twin``."""
    graph = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        name = module_name(path, root)
        graph[name] = imports_of(path.read_text(encoding="utf-8"), name, path.name == "__init__.py", root)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module, or of one that imports itself
    (Tarjan, iterative). Each is sorted; the list is sorted."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph.get(node, ()):
                        found.append(sorted(component))
    return sorted(found)


def reachable(graph: dict[str, set[str]], start: str) -> dict[str, str | None]:
    """Every module ``start`` imports directly or not -> the module it was first reached from."""
    parent = {start: None}
    todo = [start]
    while todo:
        node = todo.pop(0)
        for child in sorted(graph.get(node, ())):
            if child not in parent:
                parent[child] = node
                todo.append(child)
    return parent


def chain(parent: dict[str, str | None], end: str) -> str:
    path = [end]
    while parent[path[-1]] is not None:
        path.append(parent[path[-1]])
    return " -> ".join(reversed(path))


def _cycle_text(graph, component) -> str:
    edges = [f"{a} -> {b}" for a in component for b in sorted(graph[a]) if b in component]
    return f"{', '.join(component)} ({'; '.join(edges)})"


@pytest.fixture(scope="module")
def graph():
    return import_graph()


# ---------------------------------------------------------------------- the checker itself
def test_cycle_finder_on_known_graphs():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a", "c"}}) == []
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "f": {"g"}, "g": set()}) \
        == [["a", "b", "c"], ["e"]]
    # two separate circles, one reached only through the other's member
    assert cycles({"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": {"c"}}) == [["a", "b"], ["c", "d"]]
    # a long chain does not hit the recursion limit
    long = {f"m{i}": {f"m{i + 1}"} for i in range(5000)}
    assert cycles(long) == []
    long["m5000"] = {"m0"}
    assert len(cycles(long)[0]) == 5001


def test_imports_are_resolved(tmp_path):
    pkg = tmp_path / "twin"
    (pkg / "sub").mkdir(parents=True)
    for f in ("__init__.py", "version.py", "engine.py", "sub/__init__.py", "sub/a.py", "sub/b.py"):
        (pkg / f).write_text("")
    source = ("import os\nimport twin\nimport twin.engine\nfrom twin import __version__\n"
              "from twin import version\nfrom . import b\nfrom .b import thing\nfrom .. import engine\n"
              "from ..sub import a as _a\nimport numpy\n"
              "def later():\n    from twin.sub.b import x\n    from twin.sub import b, nothing\n")
    got = imports_of(source, "twin.sub.a", is_package=False, root=tmp_path)
    assert got == {"twin", "twin.engine", "twin.version", "twin.sub.b", "twin.sub.a", "twin.sub"}
    assert imports_of("from . import version\nfrom .sub import a\n", "twin", is_package=True,
                      root=tmp_path) == {"twin.version", "twin.sub.a"}


def test_every_module_is_parsed(graph):
    assert {"twin", "twin.engine.simulation", "twin.report.markdown", "twin.output.hdf5", "twin.kernels.node",
            "twin.report.sweep", "twin.config.load", "twin.orbits.propagate"} <= set(graph)
    assert "twin.output.reader" in graph["twin.report.sample"]


def test_every_module_has_a_layer(graph):
    loose = sorted(m for m in graph if m != FRONT_DOOR and layer_of(m) is None)
    assert not loose, f"modules in no layer of LAYERS (add them, or move them into a package): {loose}"


def test_layer_rule_on_a_known_graph():
    g = {"twin.kernels.a": {"twin.constants"}, "twin.config.x": {"twin.engine.simulation"},
         "twin.orbits.y": {"twin.output.schema"}, "twin.ops.z": {"twin.ops.w", "twin.orbits.y"}}
    assert upward_imports(g) == ["twin.config.x imports twin.engine.simulation (layer 6 above 2)",
                                 "twin.orbits.y imports twin.output.schema (twin.output beside twin.orbits, layer 3)"]


def test_every_twin_import_names_a_module(graph):
    missing = sorted(f"{m} imports {t}" for m, targets in graph.items() for t in targets if not is_module(t))
    assert not missing, "imports of twin modules that do not exist: " + "; ".join(missing)


# ---------------------------------------------------------------------- the rules
def test_no_import_circle(graph):
    found = cycles(graph)
    assert not found, "import circles in twin/: " + " | ".join(_cycle_text(graph, c) for c in found)


def test_kernels_import_only_kernels_and_constants(graph):
    bad = sorted(f"{m} imports {t}" for m, targets in graph.items() if m.startswith("twin.kernels")
                 for t in targets
                 if t not in KERNELS_MAY_IMPORT and not t.startswith(KERNELS_MAY_IMPORT_PREFIXES))
    assert not bad, "kernels import only twin.kernels.* and twin.constants: " + "; ".join(bad)


def test_constants_import_nothing_from_twin(graph):
    assert graph["twin.constants"] == set()


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports of a higher layer, of a sibling package in the same layer, or of the front door."""
    bad = []
    for m in sorted(graph):
        mine = layer_of(m)
        if mine is None:
            continue
        for t in sorted(graph[m]):
            theirs = layer_of(t)
            if theirs is None:
                bad.append(f"{m} imports the front door {t}")
            elif theirs[0] > mine[0]:
                bad.append(f"{m} imports {t} (layer {theirs[0]} above {mine[0]})")
            elif theirs[0] == mine[0] and theirs[1] != mine[1]:
                bad.append(f"{m} imports {t} ({theirs[1]} beside {mine[1]}, layer {mine[0]})")
    return bad


def test_no_upward_import(graph):
    bad = upward_imports(graph)
    assert not bad, "upward imports in twin/ (see LAYERS): " + "; ".join(bad)


def test_output_never_reaches_the_engine(graph):
    bad = []
    for m in sorted(graph):
        if m == "twin.output" or m.startswith("twin.output."):
            parent = reachable(graph, m)
            bad += [chain(parent, t) for t in sorted(parent)
                    if t == FRONT_DOOR or t.startswith(("twin.engine", "twin.ops", "twin.scaleout", "twin.cli",
                                                       "twin.report"))]
    assert not bad, "twin.output reaches the engine, scale-out, CLI, report or front door: " + "; ".join(bad)


def test_report_reads_files_only(graph):
    bad = []
    for m in sorted(m for m in graph if m.startswith(REPORT_MAY_IMPORT_PREFIXES)):
        parent = reachable(graph, m)
        bad += [chain(parent, t) for t in sorted(parent)
                if t not in REPORT_MAY_IMPORT and not t.startswith(REPORT_MAY_IMPORT_PREFIXES)]
    simulator = sorted({t for line in bad for t in SIMULATOR if line.endswith(" -> " + t)})
    assert not bad, (f"the report imports beyond the file readers (simulator modules: {simulator or 'none'}): "
                     + "; ".join(bad))


def test_version_module_matches_pyproject():
    import tomllib

    from importlib.metadata import version

    from twin.version import __version__

    with open(REPO / "pyproject.toml", "rb") as f:
        assert __version__ == tomllib.load(f)["project"]["version"] == version("twin")
