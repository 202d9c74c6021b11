"""Check a buildpack's outputs at least as strictly as the lifecycle reads them.

The lifecycle decodes most files leniently: an unknown key (`working_dir`, `[[require]]`) is
silently ignored, which turns a typo into a feature that quietly does nothing. Here unknown keys
are violations, and so is everything the lifecycle rejects (contract §2.3, §3.3-3.10, §7.2 item
2). Each check returns human-readable violations naming the file, so `dev build` can list them
all at once instead of failing on the first.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnb_python.cnb import tomlio
from cnb_python.cnb.launch import PROCESS_TYPE, SBOM_MEDIA_TYPES
from cnb_python.cnb.layers import RESERVED_NAMES

RESERVED_LAYER_NAMES = RESERVED_NAMES
SPECIAL_TOMLS = frozenset(f"{name}.toml" for name in RESERVED_NAMES)
SBOM_EXTENSIONS = SBOM_MEDIA_TYPES
ENV_ACTIONS = frozenset({"override", "default", "prepend", "append", "delim"})
_TYPE_FLAGS = ("launch", "build", "cache")


@dataclass
class Report:
    violations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LayerTypes:
    launch: bool = False
    build: bool = False
    cache: bool = False


def _unknown(where: str, table: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    extra = sorted(set(table) - set(allowed))
    return [f"{where}: unknown key {key!r}" for key in extra]


def _array_of_tables(where: str, value: Any) -> tuple[list[dict[str, Any]], list[str]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return [], [f"{where} must be an array of tables ([[...]])"]
    return value, []


def _string_array(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _load(path: Path, where: str) -> tuple[dict[str, Any] | None, list[str]]:
    try:
        return tomlio.load(path), []
    except (OSError, UnicodeDecodeError, tomlio.TOMLDecodeError) as error:
        return None, [f"{where}: not valid TOML ({error})"]


# --- detect ---------------------------------------------------------------------------------


def _plan_section(where: str, data: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    provides, bad = _array_of_tables(f"{where}provides", data.get("provides", []))
    problems += bad
    for i, provide in enumerate(provides):
        at = f"{where}provides[{i}]"
        problems += _unknown(at, provide, ("name",))
        if not isinstance(provide.get("name"), str) or not provide.get("name"):
            problems.append(f"{at}: name must be a non-empty string")
    requires, bad = _array_of_tables(f"{where}requires", data.get("requires", []))
    problems += bad
    for i, require in enumerate(requires):
        at = f"{where}requires[{i}]"
        if "version" in require:
            problems.append(
                f'{at}: has a "version" key, which the lifecycle rejects; '
                'use "metadata.version" instead'
            )
        problems += _unknown(at, require, ("name", "metadata", "version"))
        if not isinstance(require.get("name"), str) or not require.get("name"):
            problems.append(f"{at}: name must be a non-empty string")
        if "metadata" in require and not isinstance(require["metadata"], dict):
            problems.append(f"{at}: metadata must be a table")
    return problems


def validate_detect_plan(data: Mapping[str, Any]) -> list[str]:
    """The build plan bin/detect wrote (lc `buildpack/detect.go`, `detectBp`)."""
    where = "build plan"
    problems = _unknown(where, data, ("provides", "requires", "or"))
    problems += _plan_section(f"{where} ", data)
    alternatives, bad = _array_of_tables(f"{where} or", data.get("or", []))
    problems += bad
    for i, alternative in enumerate(alternatives):
        at = f"{where} or[{i}]"
        problems += _unknown(at, alternative, ("provides", "requires"))
        problems += _plan_section(f"{at}.", alternative)
    return problems


# --- layers ---------------------------------------------------------------------------------


def read_layer_types(path: Path) -> tuple[LayerTypes, Any, list[str]]:
    """`<layer>.toml` -> (types, metadata, violations). Unreadable files give no types."""
    where = path.name
    data, problems = _load(path, where)
    if data is None:
        return LayerTypes(), None, problems
    top_flags = [flag for flag in _TYPE_FLAGS if flag in data]
    if top_flags:
        problems.append(
            f"{where}: the launch, cache and build flags should be in the types table "
            f"(found {', '.join(top_flags)} at the top level)"
        )
    problems += _unknown(where, data, ("types", "metadata", *_TYPE_FLAGS))
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        problems.append(f"{where}: metadata must be a table")
    types = data.get("types", {})
    if not isinstance(types, dict):
        return LayerTypes(), metadata, [*problems, f"{where}: types must be a table"]
    problems += _unknown(f"{where} [types]", types, _TYPE_FLAGS)
    for flag in _TYPE_FLAGS:
        if flag in types and not isinstance(types[flag], bool):
            problems.append(f"{where} [types]: {flag} must be true or false")
    flags = {flag: types.get(flag) is True for flag in _TYPE_FLAGS}
    return LayerTypes(**flags), metadata, problems


def _layer_name(name: str) -> list[str]:
    if name in RESERVED_LAYER_NAMES:
        return [f"layer {name!r}: build, launch and store are reserved names"]
    if "." in name:
        return [
            f"layer {name!r}: names must not contain '.' (the lifecycle cuts SBOM file names "
            "at the first dot, and '.ignore' marks dropped layers)"
        ]
    return []


def _env_dir(where: str, directory: Path, *, allow_process_dirs: bool) -> list[str]:
    problems: list[str] = []
    if not directory.is_dir():
        return problems
    names = {entry.name for entry in directory.iterdir()}
    for entry in sorted(directory.iterdir()):
        at = f"{where}/{entry.name}"
        if entry.is_dir():
            if not allow_process_dirs:
                problems.append(f"{at}: directories are ignored here")
            elif not PROCESS_TYPE.match(entry.name):
                problems.append(f"{at}: not a valid process type")
            else:
                problems += _env_dir(at, entry, allow_process_dirs=False)
            continue
        name, _, action = entry.name.partition(".")
        if not name:
            problems.append(f"{at}: no variable name before the suffix")
        if action and action not in ENV_ACTIONS:
            problems.append(f"{at}: unknown suffix {action!r}, the lifecycle ignores this file")
        if action in {"prepend", "append"} and f"{name}.delim" not in names:
            problems.append(
                f"{at}: no {name}.delim beside it, so the lifecycle glues the values together"
            )
        if entry.read_bytes().endswith(b"\n"):
            problems.append(f"{at}: ends with a newline, which becomes part of the value")
    return problems


def _exec_d(where: str, directory: Path) -> list[str]:
    problems: list[str] = []
    if not directory.is_dir():
        return problems
    for entry in sorted(directory.iterdir()):
        at = f"{where}/{entry.name}"
        if entry.is_dir():
            if not PROCESS_TYPE.match(entry.name):
                problems.append(f"{at}: not a valid process type")
            else:
                problems += _exec_d(at, entry)
        elif not os.access(entry, os.X_OK):
            problems.append(f"{at}: not executable, so the app would not start")
    return problems


def _layer_contents(name: str, layer_dir: Path) -> list[str]:
    problems = _env_dir(f"{name}/env", layer_dir / "env", allow_process_dirs=False)
    problems += _env_dir(f"{name}/env.build", layer_dir / "env.build", allow_process_dirs=False)
    problems += _env_dir(f"{name}/env.launch", layer_dir / "env.launch", allow_process_dirs=True)
    problems += _exec_d(f"{name}/exec.d", layer_dir / "exec.d")
    return problems


def validate_layers(layers_dir: Path, report: Report) -> dict[str, LayerTypes]:
    """Every `<layer>.toml` and its directory; returns the layers' types by name."""
    found: dict[str, LayerTypes] = {}
    for path in sorted(layers_dir.glob("*.toml")):
        if path.name in SPECIAL_TOMLS or not path.is_file():
            continue
        name = path.name.removesuffix(".toml")
        report.violations.extend(_layer_name(name))
        types, _, problems = read_layer_types(path)
        report.violations.extend(problems)
        found[name] = types
        layer_dir = layers_dir / name
        if layer_dir.is_dir():
            report.violations.extend(_layer_contents(name, layer_dir))
        elif types.launch and types.cache:
            report.violations.append(
                f"layer {name!r} is launch and cache but has no directory: the exporter fails "
                'with "layer is cache=true but has no contents"'
            )
        elif types.cache:
            report.warnings.append(
                f"layer {name!r} is cache=true but has no directory: it will not be cached"
            )
    for reserved in sorted(RESERVED_LAYER_NAMES):
        if (layers_dir / reserved).is_dir():
            report.violations.extend(_layer_name(reserved))
    return found


# --- launch.toml, build.toml, store.toml, SBOMs ------------------------------------------------


def _process(i: int, process: Mapping[str, Any], seen: set[str]) -> list[str]:
    kind = process.get("type")
    at = f"launch.toml processes[{i}]" + (f" ({kind})" if isinstance(kind, str) else "")
    problems: list[str] = []
    if "direct" in process:
        problems.append(f"{at}: direct is not supported for Buildpack API >= 0.9")
    problems += _unknown(
        at, process, ("type", "command", "args", "default", "working-dir", "direct")
    )
    if not isinstance(kind, str) or not PROCESS_TYPE.match(kind):
        problems.append(f"{at}: type must match ^[A-Za-z0-9._-]+$")
    elif kind in seen:
        problems.append(f"{at}: type {kind!r} is defined twice")
    else:
        seen.add(kind)
    command = process.get("command")
    if isinstance(command, str):
        problems.append(f"{at}: command must be an array of strings, not a string")
    elif not _string_array(command) or not command:
        problems.append(f"{at}: command must be a non-empty array of strings")
    if "args" in process and not _string_array(process["args"]):
        problems.append(f"{at}: args must be an array of strings")
    if "default" in process and not isinstance(process["default"], bool):
        problems.append(f"{at}: default must be true or false")
    if "working-dir" in process and not isinstance(process["working-dir"], str):
        problems.append(f"{at}: working-dir must be a string")
    return problems


def _labels_and_slices(data: Mapping[str, Any]) -> list[str]:
    labels, problems = _array_of_tables("launch.toml labels", data.get("labels", []))
    for i, label in enumerate(labels):
        at = f"launch.toml labels[{i}]"
        problems += _unknown(at, label, ("key", "value"))
        if not isinstance(label.get("key"), str) or not label.get("key"):
            problems.append(f"{at}: key must be a non-empty string")
        if not isinstance(label.get("value"), str):
            problems.append(f"{at}: value must be a string")
    slices, bad = _array_of_tables("launch.toml slices", data.get("slices", []))
    problems += bad
    for i, app_slice in enumerate(slices):
        at = f"launch.toml slices[{i}]"
        problems += _unknown(at, app_slice, ("paths",))
        if not _string_array(app_slice.get("paths")):
            problems.append(f"{at}: paths must be an array of strings")
    return problems


def validate_launch_toml(path: Path) -> list[str]:
    """lc `DecodeLaunchTOML`, `validateNoMultipleDefaults`, and the spec's type pattern."""
    if not path.exists():
        return []
    data, problems = _load(path, "launch.toml")
    if data is None:
        return problems
    if "bom" in data:
        problems.append("launch.toml: [[bom]] is deprecated since Buildpack API 0.7; write SBOMs")
    problems += _unknown("launch.toml", data, ("labels", "processes", "slices", "bom"))
    processes, bad = _array_of_tables("launch.toml processes", data.get("processes", []))
    problems += bad
    seen: set[str] = set()
    for i, process in enumerate(processes):
        problems += _process(i, process, seen)
    defaults = [str(p.get("type")) for p in processes if p.get("default") is True]
    if len(defaults) > 1:
        problems.append(f"launch.toml: multiple default process types aren't allowed: {defaults}")
    return problems + _labels_and_slices(data)


def validate_build_toml(path: Path, plan_names: Sequence[str]) -> list[str]:
    """lc `validateUnmet`: every unmet name is one the buildpack was given."""
    if not path.exists():
        return []
    data, problems = _load(path, "build.toml")
    if data is None:
        return problems
    if "bom" in data:
        problems.append("build.toml: [[bom]] is deprecated since Buildpack API 0.7; write SBOMs")
    problems += _unknown("build.toml", data, ("unmet", "bom"))
    unmet, bad = _array_of_tables("build.toml unmet", data.get("unmet", []))
    problems += bad
    for i, entry in enumerate(unmet):
        at = f"build.toml unmet[{i}]"
        problems += _unknown(at, entry, ("name",))
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            problems.append(f"{at}: unmet.name is required")
        elif name not in plan_names:
            problems.append(
                f"{at}: unmet.name {name!r} must match a requested dependency "
                f"(the plan has: {', '.join(plan_names) or 'nothing'})"
            )
    return problems


def validate_store_toml(path: Path) -> list[str]:
    if not path.exists():
        return []
    data, problems = _load(path, "store.toml")
    if data is None:
        return problems
    problems += _unknown("store.toml", data, ("metadata",))
    if "metadata" in data and not isinstance(data["metadata"], dict):
        problems.append("store.toml: metadata must be a table")
    return problems


def validate_sboms(
    layers_dir: Path, layers: Mapping[str, LayerTypes], sbom_formats: Sequence[str], report: Report
) -> None:
    """lc `processSBOMFiles` / `validateMediaTypes`, for every `*.sbom.*` file."""
    declared = {fmt.split(";")[0].strip() for fmt in sbom_formats}
    for path in sorted(layers_dir.glob("*.sbom.*")):
        owner, _, extension = path.name.partition(".sbom.")
        media_type = SBOM_EXTENSIONS.get(extension)
        if media_type is None:
            report.violations.append(
                f"{path.name}: unsupported SBOM file format (use .sbom.cdx.json, "
                ".sbom.spdx.json or .sbom.syft.json)"
            )
            continue
        if media_type not in declared:
            report.violations.append(
                f"{path.name}: undeclared SBOM media type {media_type!r}: add it to "
                "[buildpack] sbom-formats in buildpack.toml"
            )
        if owner not in {"launch", "build"} and owner not in layers:
            report.warnings.append(
                f"{path.name}: no layer {owner!r} has a .toml, so the lifecycle ignores it"
            )


def validate_build_outputs(
    layers_dir: Path, *, plan_names: Sequence[str], sbom_formats: Sequence[str]
) -> tuple[Report, dict[str, LayerTypes]]:
    """Everything `bin/build` left in its layers directory."""
    report = Report()
    layers = validate_layers(layers_dir, report)
    report.violations.extend(validate_launch_toml(layers_dir / "launch.toml"))
    report.violations.extend(validate_build_toml(layers_dir / "build.toml", plan_names))
    report.violations.extend(validate_store_toml(layers_dir / "store.toml"))
    validate_sboms(layers_dir, layers, sbom_formats, report)
    return report, layers
