"""The package's import graph, read from the source with ``ast`` (imports inside functions count):
no cycles, and the inference path never reaches training, export, evaluation or data code."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parents[1] / "src"
PACKAGE = "mangaclean"
# The inference path: what ``clean``, ``mask``, ``inpaint`` and the Python API run.
INFERENCE = (
    "mangaclean",
    "mangaclean.cli",
    "mangaclean.pipeline",
    "mangaclean.cleaner",
    "mangaclean.io",
    "mangaclean.masks",
    "mangaclean.maskops",
    "mangaclean.regions",
    "mangaclean.remove",
    "mangaclean.backends",
    "mangaclean.commands.clean",
    "mangaclean.commands.mask",
    "mangaclean.commands.inpaint",
)
FORBIDDEN = ("mangaclean.train", "mangaclean.export", "mangaclean.eval", "mangaclean.data")
# The eager PyTorch backend (train extra) is the one way from inference to torch and the networks.
OPTIONAL_TORCH = ("mangaclean.backends.eager", "mangaclean.backends.checkpoint")


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module under src/ (a package is its ``__init__``)."""
    found = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imported(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Everything ``module`` imports anywhere in its file: package modules by dotted name, other
    packages by their top-level name (``torch``)."""
    is_package = path.name == "__init__.py"
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:  # ``from a import b``: module ``a.b`` if there is one, else ``a``
                full = f"{base}.{alias.name}"
                names.add(full if full in modules else base)
    resolved = set()
    for name in names:
        if name.split(".")[0] != PACKAGE:
            resolved.add(name.split(".")[0])
        elif name in modules:
            resolved.add(name)
    return resolved - {module}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imported(name, path, modules) for name, path in modules.items()}


def _with_parents(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Importing ``a.b.c`` runs ``a`` and ``a.b`` first: add those edges (for reachability)."""
    out = {}
    for module, targets in graph.items():
        extra = set()
        for target in targets | {module}:
            parts = target.split(".")
            extra.update(".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in graph)
        out[module] = (targets | extra) - {module}
    return out


def _reachable(graph: dict[str, set[str]], starts, skip=()) -> set[str]:
    seen, todo = set(), [s for s in starts if s not in skip]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(t for t in graph.get(module, ()) if t not in seen and t not in skip)
    return seen


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next((c for c in children if c in graph), None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def _inference_modules(graph: dict[str, set[str]]) -> list[str]:
    return [m for m in graph if any(m == p or m.startswith(p + ".") for p in INFERENCE if p != PACKAGE)]


def test_the_import_graph_is_read():
    graph = _graph()
    assert "mangaclean.backends.onnx_runtime" in graph["mangaclean.backends.registry"]
    assert "mangaclean.backends.eager" in graph["mangaclean.backends.registry"]  # inside a function
    assert "torch" in graph["mangaclean.backends.eager"]


def test_no_import_cycles():
    assert _cycles(_graph()) == []


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_inference_never_reaches_train_export_eval_or_data():
    graph = _with_parents(_graph())
    reached = _reachable(graph, [PACKAGE, *_inference_modules(graph)])
    bad = sorted(m for m in reached if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))
    assert bad == []


def test_inference_reaches_torch_only_through_the_optional_eager_backend():
    graph = _with_parents(_graph())
    reached = _reachable(graph, [PACKAGE, *_inference_modules(graph)], skip=OPTIONAL_TORCH)
    assert "torch" not in reached
    assert not any(m.startswith("mangaclean.models") for m in reached)


def test_inference_never_reaches_the_review_web_stack():
    graph = _with_parents(_graph())
    reached = _reachable(graph, [PACKAGE, *_inference_modules(graph)])
    assert not reached & {"starlette", "uvicorn", "mangaclean.review.app"}
    assert "starlette" in _reachable(graph, ["mangaclean.commands.review"])  # inside its run()


def test_reachability_counts_the_packages_an_import_runs():
    graph = _with_parents({"a": {"p.q.r"}, "p": {"x"}, "p.q": set(), "p.q.r": set(), "x": set()})
    assert _reachable(graph, ["a"]) == {"a", "p", "p.q", "p.q.r", "x"}


def test_the_networks_import_nothing_else_from_the_package():
    graph = _graph()
    networks = {m for m in graph if m.startswith("mangaclean.models")}
    outside = {(m, t) for m in networks for t in graph[m] if t.startswith(PACKAGE) and t not in networks}
    assert outside == set()


if __name__ == "__main__":  # python tests/test_architecture.py: the same checks, as a report
    graph = _graph()
    reached = _reachable(_with_parents(graph), [PACKAGE, *_inference_modules(graph)])
    print(f"{len(graph)} modules; cycles: {_cycles(graph) or 'none'}")
    print("inference reaches:", sorted(m for m in reached if m.startswith(PACKAGE)))
