"""docs/architecture.md is the map: its layer table is the import graph, and modules stay small."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "semwb"
MAP = ROOT / "docs" / "architecture.md"
MAX_LINES = 400


def layer_of(module: str) -> str:
    """``semwb.sem.spec`` -> ``sem``; ``semwb`` (the package root) -> ``semwb``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[str, int]]:
    """Every semwb module ``path`` imports (top level, in functions, under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(name, node.lineno) for name in names
                  if name == "semwb" or name.startswith("semwb.")]
    return found


def actual_graph() -> dict[str, dict[str, list[str]]]:
    """``{layer: {imported layer: ["file:line", ...]}}`` across layers."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(PACKAGE.rglob("*.py")):
        source = layer_of(module_name(path))
        if source == "semwb":
            continue  # the root only maps public names to modules, as strings
        for name, line in imported_modules(path):
            target = layer_of(name)
            if target != source:
                graph[source][target].append(f"{path.relative_to(ROOT)}:{line}")
    return graph


def documented_layers() -> dict[str, set[str]]:
    """The table between ``<!-- layers`` and ``<!-- /layers -->`` in docs/architecture.md."""
    text = MAP.read_text(encoding="utf-8")
    found = re.search(r"<!-- layers.*?-->(.*?)<!-- /layers -->", text, re.S)
    assert found, f"{MAP}: no layer table between '<!-- layers' and '<!-- /layers -->'"
    table: dict[str, set[str]] = {}
    for line in found.group(1).strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        names = re.findall(r"`([a-z_]+)`", cells[0])
        assert (len(cells), len(names)) == (2, 1), f"{MAP}: cannot read the row {line!r}"
        table[names[0]] = set(re.findall(r"`([a-z_]+)`", cells[1]))
    return table


def test_every_package_has_a_row_in_the_map() -> None:
    packages = {layer_of(module_name(p)) for p in PACKAGE.rglob("*.py")} - {"semwb"}
    assert packages == set(documented_layers())


def test_imports_follow_the_map() -> None:
    table, graph = documented_layers(), actual_graph()
    forbidden = [f"{source} -> {target} ({', '.join(where)})"
                 for source, targets in graph.items() for target, where in targets.items()
                 if target not in table.get(source, set())]
    assert not forbidden, ("imports docs/architecture.md does not allow (change the code, or "
                           "the map if the layering really changed):\n" + "\n".join(forbidden))


def test_the_map_allows_only_what_is_used() -> None:
    table, graph = documented_layers(), actual_graph()
    unused = [f"{source} -> {target}" for source, targets in table.items()
              for target in targets if target not in graph.get(source, {})]
    assert not unused, "allowed by docs/architecture.md but never imported (drop them):\n" + (
        "\n".join(unused))


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """A loop of ``graph`` as ``[a, b, ..., a]`` (each node imports the next), or ``[]``."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str]:
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if target in path:
                return [*path[path.index(target):], target]
            if target not in done:
                found = visit(target)
                if found:
                    return found
        path.pop()
        done.add(node)
        return []

    for node in sorted(graph):
        found = [] if node in done else visit(node)
        if found:
            return found
    return []


def test_the_package_graph_has_no_cycle() -> None:
    graph = actual_graph()
    loop = find_cycle(graph)
    edges = [f"{a} -> {b} ({', '.join(graph[a][b])})" for a, b in pairwise(loop)]
    assert not loop, ("packages import each other in a loop (move what both need into the lower "
                      "layer, see docs/architecture.md):\n" + "\n".join(edges))


def test_a_cycle_is_found() -> None:
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b"], "b": ["a"]}) == ["a", "b", "a"]
    assert find_cycle({"a": ["b", "c"], "b": ["c"], "c": [], "d": ["a"]}) == []


def test_each_row_imports_only_rows_above_it() -> None:
    table = documented_layers()
    order = list(table)
    upward = [f"{source} -> {target}" for source, targets in table.items() for target in targets
              if target != "semwb" and target not in order[:order.index(source)]]
    assert not upward, ("docs/architecture.md lists these layers below a row that imports them "
                        "(order the table by layer):\n" + "\n".join(upward))


def test_the_import_parser_sees_imports_inside_functions(tmp_path: Path) -> None:
    path = tmp_path / "probe.py"
    path.write_text("import os\nfrom semwb import errors\n\ndef f():\n"
                    "    from semwb.sem.spec import load_spec\n    import semwb.report\n")
    assert imported_modules(path) == [("semwb", 2), ("semwb.sem.spec", 5), ("semwb.report", 6)]


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_over_the_limit() -> None:
    too_long = [f"{p.relative_to(PACKAGE)}: {_lines(p)} lines"
                for p in sorted(PACKAGE.rglob("*.py"))
                if _lines(p) > MAX_LINES]
    assert not too_long, f"modules over {MAX_LINES} lines (split by job):\n" + "\n".join(too_long)


def unmapped_modules(text: str) -> list[str]:
    """Modules ``text`` does not name: ``name.py`` (or ``name``) in backticks; in a subfolder of
    a package ``sub/name.py`` (or ``sub/`` and ``name.py`` both)."""
    named = set(re.findall(r"`([A-Za-z0-9_./]+)`", text.replace("```", "")))
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__init__.py":
            continue
        rest = path.relative_to(PACKAGE).parts[1:]  # below its package: (), (file,), (sub, file)
        if len(rest) <= 1:
            ok = bool({path.name, path.stem} & named)
        else:
            sub = "/".join(rest[:-1])
            ok = bool({f"{sub}/{path.name}", f"{sub}/{path.stem}"} & named) or (
                f"{sub}/" in named and path.name in named)
        if not ok:
            missing.append(str(path.relative_to(PACKAGE)))
    return missing


def test_every_module_is_in_the_module_map() -> None:
    missing = unmapped_modules(MAP.read_text(encoding="utf-8"))
    assert not missing, "modules docs/architecture.md does not name (add them to its map):\n" + (
        "\n".join(missing))


def test_a_module_left_out_of_the_map_is_found() -> None:
    text = MAP.read_text(encoding="utf-8")
    assert unmapped_modules(text.replace("`ordinal/probit.py`", "probit")) == [
        "sem/ordinal/probit.py"]
    assert unmapped_modules(text.replace("`throttle.py`", "throttle")) == ["web/throttle.py"]


def test_docs_and_code_point_inside_the_repository() -> None:
    outside = re.compile(r"\.\./shared/|\b(ARCHITECTURE|DOMAIN|STYLE)\.md|/" + "work/")
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
             *sorted(PACKAGE.rglob("*.py")), *sorted((ROOT / "scripts").iterdir()),
             *(p for p in sorted((ROOT / "tests").rglob("*"))
               if p.suffix in (".py", ".md", ".R") and "artifacts" not in p.parts)]
    found = [f"{p.relative_to(ROOT)}:{n}" for p in files
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if outside.search(line)]
    assert not found, "references to files outside the repository (use docs/architecture.md):\n" + (
        "\n".join(found))
