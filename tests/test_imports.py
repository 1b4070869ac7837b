"""The import graph of ``twin/``: no circle anywhere, and no upward import.

Every module is parsed with ``ast`` (nothing is imported), and every import of ``twin.*`` counts,
including those inside functions: a deferred import is still a dependency. Relative imports are
resolved. ``from twin import x`` is an import of the submodule ``twin.x`` when there is one, and
otherwise of the package front door ``twin`` (``twin/__init__.py``), which pulls in the engine.
The implicit execution of parent ``__init__.py`` files is not an edge: only what a module names.

Layers (lowest first):

- ``twin.constants``: numbers only; imports nothing from twin;
- ``twin.kernels.*``: numba kernels; import only other kernels and ``twin.constants``;
- ``twin.output.*``: the run file (schema, writer, reader, lock); never the engine, the scale-out
  or sweep layer, the CLI, the report or the front door ``twin``;
- the report (``twin.report`` and the sweep report and its table): reads files only, so everything
  it imports, directly or not, is in ``REPORT_MAY_IMPORT``: constants, errors, the node-mode names,
  the run-file reader and schema. No engine, inputs, orbits, config or kernels that compute.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "twin"
FRONT_DOOR = PACKAGE

KERNELS_MAY_IMPORT_PREFIXES = ("twin.kernels.",)
KERNELS_MAY_IMPORT = {"twin.kernels", "twin.constants"}

OUTPUT_MUST_NOT_IMPORT = {FRONT_DOOR, "twin.engine", "twin.cli", "twin.sweep", "twin.bench", "twin.report",
                          "twin.report_style"}
OUTPUT_MUST_NOT_IMPORT_PREFIXES = ("twin.scaleout",)

REPORT_MODULES = {"twin.report", "twin.report_style", "twin.scaleout.report", "twin.scaleout.table"}
REPORT_MAY_IMPORT = REPORT_MODULES | {
    "twin.constants", "twin.errors", "twin.kernels.layout",  # numbers, exceptions, node-mode names
    # reading run files
    "twin.output.reader", "twin.output.h5open", "twin.output.schema", "twin.output.runlock",
}
# Named in the failure message when the report reaches them (a subset of what REPORT_MAY_IMPORT excludes).
SIMULATOR = {"twin.engine", "twin.inputs", "twin.orbitfeed", "twin.kernels.node", "twin.config", FRONT_DOOR}


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
    assert {"twin", "twin.engine", "twin.report", "twin.output.hdf5", "twin.kernels.node",
            "twin.scaleout.report"} <= set(graph)
    assert "twin.output.reader" in graph["twin.report"]


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


def test_output_never_imports_upward(graph):
    def upward(t):
        return t in OUTPUT_MUST_NOT_IMPORT or t.startswith(OUTPUT_MUST_NOT_IMPORT_PREFIXES)

    bad = []
    for m in sorted(graph):
        if m == "twin.output" or m.startswith("twin.output."):
            parent = reachable(graph, m)
            bad += [chain(parent, t) for t in sorted(parent) if upward(t)]
    assert not bad, "twin.output reaches the engine, scale-out, CLI, report or front door: " + "; ".join(bad)


def test_report_reads_files_only(graph):
    bad = []
    for m in sorted(REPORT_MODULES & set(graph)):
        parent = reachable(graph, m)
        bad += [chain(parent, t) for t in sorted(parent) if t not in REPORT_MAY_IMPORT]
    simulator = sorted({t for line in bad for t in SIMULATOR if line.endswith(" -> " + t)})
    assert not bad, (f"the report imports beyond the file readers (simulator modules: {simulator or 'none'}): "
                     + "; ".join(bad))


def test_version_module_matches_pyproject():
    import tomllib

    import twin
    from twin.version import __version__

    with open(REPO / "pyproject.toml", "rb") as f:
        assert __version__ == tomllib.load(f)["project"]["version"] == twin.__version__
