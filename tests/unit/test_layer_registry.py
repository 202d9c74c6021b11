"""The registry of layer names must hold every name the buildpack's modules write.

The build removes every layer not in `KNOWN_LAYER_NAMES` (layers an older release left), so a
layer module whose name is missing would see its own layer deleted at the start of each build.
This test reads every module of the package for the names it hands to the layer functions and
for its `LAYER_NAME`-style constants, so adding a layer without registering it fails here.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import cnb_python
from cnb_python.cnb.layers import validate_layer_name
from cnb_python.layers import tool_venv
from cnb_python.layers.registry import KNOWN_LAYER_NAMES

# Functions whose argument `name` (second positional) is a layer name.
LAYER_FUNCTIONS = frozenset(
    {
        "cached_layer",
        "reuse_or_install",
        "fresh_layer",
        "remove_layer",
        "write_layer_toml",
        "read_restored_metadata",
        "open_cache",
        "write_venv_sbom",
    }
)
_SKIP = ("cnb_python.dev", "cnb_python.package", "cnb_python.commands")


def modules() -> Iterator[ModuleType]:
    for info in pkgutil.walk_packages(cnb_python.__path__, "cnb_python."):
        if info.name.startswith(_SKIP) or info.name == "cnb_python.__main__":
            continue
        yield importlib.import_module(info.name)


def _resolve(node: ast.expr, module: ModuleType) -> Any:
    """A constant, a module global or a dotted attribute of one; None when it is dynamic."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return getattr(module, node.id, None) if node.id in vars(module) else None
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, module)
        return getattr(owner, node.attr, None) if isinstance(owner, ModuleType) else None
    return None


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def written_names() -> dict[str, str]:
    """Every layer name the code spells out, with where it was found."""
    found: dict[str, str] = {}
    for module in modules():
        if module.__file__ is None:
            continue
        for name, value in vars(module).items():
            if name == "LAYER_NAME" or name.endswith("_LAYER_NAME"):
                found[value] = f"{module.__name__}.{name}"
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _called(node) not in LAYER_FUNCTIONS:
                continue
            args = [kw.value for kw in node.keywords if kw.arg == "name"] or node.args[1:2]
            for arg in args:
                value = _resolve(arg, module)
                if isinstance(value, str):
                    found[value] = f"{module.__name__}:{node.lineno}"
    return found


def test_every_layer_the_code_writes_is_registered() -> None:
    written = written_names()
    # The scan must see the layers we know exist, or it is not scanning anything.
    assert {"python", "venv", "pip", "pip-cache", "uv", "poetry-cache"} <= set(written)
    missing = {name: where for name, where in written.items() if name not in KNOWN_LAYER_NAMES}
    assert not missing, f"add these to cnb_python/layers/registry.py: {missing}"


def test_layers_written_only_sometimes_are_known() -> None:
    # Tool layers are named after the tool at run time, which the scan cannot see.
    assert set(tool_venv.TOOLS) <= KNOWN_LAYER_NAMES
    assert {"uv", "uv-cache", "pipenv", "poetry", "poetry-cache"} <= KNOWN_LAYER_NAMES


def test_every_registered_name_is_a_valid_layer_name() -> None:
    for name in KNOWN_LAYER_NAMES:
        validate_layer_name(name)
