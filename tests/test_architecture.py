"""The layout's promises: no import cycle, dependencies that point one way, modules a reader can hold.

Every ``import`` in ``emulator/`` and ``grader/`` counts, wherever it stands: at the top of a module,
inside a function (a lazy import) or under ``if TYPE_CHECKING:``. A cycle hidden in any of them still
ties two parts together, so a reader could not understand one without the other.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("emulator", "grader")

# The parts, lowest first. A module may import its own part and the parts listed before it, never a
# later one: that is the direction of every dependency (ARCHITECTURE.md draws it).
PARTS = (
    "emulator.platform",       # what differs between Linux, macOS, Windows and a browser
    "emulator.timestamps",     # how AWS writes a moment
    "emulator.arns",           # names, URLs and ARNs of AWS resources
    "emulator.aws.interception",  # answering a boto3 request in-process (botocore's before-send)
    "emulator.aws.sessions",   # boto3's default session, AWS's models read once
    "emulator.events",         # sample events of every trigger
    "emulator.runtime",        # functions, execution environments, invoke
    "emulator.arguments",      # the cloud's arguments and events checked as AWS checks them
    "emulator.observability",  # tracing and cost, fed by the runtime's observers
    "emulator.triggers",       # the clock and everything that fires on it
    "emulator.gateway",        # the HTTP front door
    "emulator.aws",            # what touches moto, botocore or an endpoint
    "emulator.lambda_api",     # the Lambda API as boto3 sees it
    "emulator.templates",      # infrastructure code read into a description
    "emulator.cloud",          # LocalCloud composes all of the above
    "emulator.deploy",         # the same description on a real account
    "emulator",                # the package's front: LocalCloud, events
    "grader",                  # grading, through the emulator's front
    "emulator.notebook",       # start_lab, %%lambda, widgets, check()
    "emulator.commands",       # python -m emulator ...
    "emulator.__main__",
)
MAX_LINES = 600
# A module longer than MAX_LINES must say why in its docstring, in a sentence containing this phrase.
LENGTH_REASON = re.compile(r"longer than 600 lines", re.IGNORECASE)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def imported_names(name: str, path: Path, known: set[str]) -> set[str]:
    """The kit's modules that ``name`` imports (``from . import x`` counts as importing module ``x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:  # a sub-module imported by name, else a name from the module
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {module for module in found if module in known and module != name}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imported_names(name, path, set(found)) for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def part_of(module: str) -> int:
    """The position in PARTS of the most specific part that holds ``module``."""
    matches = [i for i, part in enumerate(PARTS) if module == part or module.startswith(part + ".")]
    assert matches, f"{module} belongs to no part: add it to PARTS in {Path(__file__).name}"
    return max(matches, key=lambda i: len(PARTS[i]))


def test_the_graph_is_read_from_the_real_tree():
    graph = import_graph()
    assert "emulator.cloud" in graph and "grader.sandbox" in graph
    assert {"emulator.runtime", "emulator.triggers.clock", "emulator.aws.moto_patches"} <= graph["emulator.cloud"]
    assert "emulator.runtime.errors" in graph["emulator.runtime.timeouts"]  # a relative import, resolved


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle():
    found = cycles(import_graph())
    assert not found, "import cycles (each line imports itself through the others):\n" + \
        "\n".join(" <-> ".join(component) for component in found)


def test_dependencies_point_one_way():
    upward = [f"{module} imports {target}" for module, targets in import_graph().items()
              for target in sorted(targets) if part_of(target) > part_of(module)]
    assert not upward, "imports from a lower part up to a higher one (see PARTS):\n" + "\n".join(upward)


@pytest.mark.parametrize("name", sorted(modules()))
def test_every_module_teaches_what_it_is(name):
    path = modules()[name]
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring and len(docstring.split()) >= 5, f"{path.relative_to(ROOT)} needs a docstring saying what it is"


def test_long_modules_say_why():
    long = []
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MAX_LINES and not LENGTH_REASON.search(ast.get_docstring(ast.parse(text)) or ""):
            long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert not long, f"modules over {MAX_LINES} lines without a reason in their docstring:\n" + "\n".join(long)


def test_readme_module_map_matches_the_tree():
    """Every sub-package and module the README's module map names exists, and every sub-package is named."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:emulator|grader)/[\w/]+(?:\.py)?)`", text))
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert not missing, f"ARCHITECTURE.md names what does not exist: {missing}"
    packages = {str(p.parent.relative_to(ROOT)) + "/" for p in (ROOT / "emulator").rglob("__init__.py")}
    unnamed = sorted(p for p in packages if p not in named and p != "emulator/")
    assert not unnamed, f"ARCHITECTURE.md does not describe: {unnamed}"
