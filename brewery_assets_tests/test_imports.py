"""The package's import graph: no cycles between modules or packages, and lower layers never import
higher ones (the Spark jobs and the transformations know nothing of Dagster assets or resources)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "brewery_assets"

# Modules and packages that make up the Dagster side: assets, resources, definitions and what runs them.
HIGHER = ("assets", "resources", "definitions", "jobs", "sensors", "schedules", "alerts", "cli", "pipeline",
          "deployments", "dead_runs", "progress", "run_figures", "dev_server", "emr")
# The Spark side and what it stands on.
LOWER = ("spark_jobs", "transformations", "quality", "ingestion", "openbrewerydb", "locations", "record_ids",
         "lake", "storage", "delta_tables")


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def import_graph() -> dict[str, set[str]]:
    """Every package module and the package modules it imports (anywhere in its source)."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[name] = {module for module in found if module in modules and module != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_no_module_imports_itself_in_a_cycle():
    assert cycles(import_graph()) == []


def test_no_package_imports_another_that_imports_it_back():
    packages: dict[str, set[str]] = {}
    for module, imported in import_graph().items():
        for other in imported:
            if _top(other) != _top(module):
                packages.setdefault(_top(module), set()).add(_top(other))
    assert cycles(packages) == []


def test_the_spark_side_never_imports_the_dagster_side():
    offending = sorted(
        (module, other) for module, imported in import_graph().items() if _top(module) in LOWER
        for other in imported if _top(other) in HIGHER
    )
    assert offending == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
