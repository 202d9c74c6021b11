"""Compare a build under the real lifecycle with the same build under `cnb-python dev`.

What must agree, as each platform records it:

- the launch layers with their `[types]` and `[metadata]` (the lifecycle: the image's
  `io.buildpacks.lifecycle.metadata` label; dev: `image/metadata.json`), and the cached layers
  (the lifecycle: the cache's `io.buildpacks.lifecycle.cache.metadata`; dev:
  `cache/metadata.json`); both went through JSON, digests aside;
- the processes (the image's `io.buildpacks.build.metadata` label; dev: `image/launch.toml`);
- the environment a custom command starts with (the real launcher running `env`, against dev's
  `launch_env`), with dev's work paths mapped to pack's `/layers` and `/workspace`;
- what our buildpack decided to reuse or rebuild: its "Using cached" / "Discarding cached" /
  "Installing" log lines.

Every difference is reported with both sides.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnb_python.cnb import tomlio
from cnb_python.dev.launch import base_env, launch_env
from tests.support import oci
from tests.support.lifecycle import APP, LAYERS, Build, Platform

# Set by the shell that runs a custom command, not by any buildpack or launcher.
SHELL_VARIABLES = frozenset({"PWD", "OLDPWD", "SHLVL", "_", "HOME"})
DECISION_PREFIXES = ("- Using cached", "- Discarding cached", "- Installing", "- Downloading")
CACHE_METADATA = "io.buildpacks.lifecycle.cache.metadata"


@dataclass(frozen=True)
class View:
    """One platform's record of one build of our buildpack."""

    launch_layers: dict[str, Any]
    cached_layers: dict[str, Any]
    processes: list[dict[str, Any]]
    launch_env: dict[str, str]
    decisions: list[str]


def _layers(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: {key: layer.get(key) for key in ("launch", "build", "cache", "data")}
        for name, layer in record.items()
    }


def decisions(log: str) -> list[str]:
    """Our buildpack's reuse decisions, in order, from a build log."""
    return [line.strip() for line in log.splitlines() if line.strip().startswith(DECISION_PREFIXES)]


def _env_lines(text: str) -> dict[str, str]:
    pairs = (line.partition("=") for line in text.splitlines() if "=" in line)
    return {name: value for name, _, value in pairs if name not in SHELL_VARIABLES}


def lifecycle_view(platform: Platform, build: Build, buildpack_id: str) -> View:
    image = platform.image(build.image)
    (ours,) = [
        bp for bp in image.label_json(oci.LIFECYCLE_METADATA_LABEL)["buildpacks"]
        if bp["key"] == buildpack_id
    ]  # fmt: skip
    cache = json.loads((platform.cache / "committed" / CACHE_METADATA).read_text())
    cached = [bp for bp in cache["buildpacks"] if bp["key"] == buildpack_id]
    meta = image.label_json(oci.BUILD_METADATA_LABEL)
    default = meta.get("buildpack-default-process-type", "")
    processes = [
        {
            "type": process["type"],
            "command": process["command"],
            "args": process.get("args") or [],
            "default": process["type"] == default,
            "working-dir": process.get("working-dir", ""),
        }
        for process in meta.get("processes") or []
        if process["buildpackID"] == buildpack_id
    ]
    env = platform.run(["/cnb/lifecycle/launcher", "env"], image=build.image)
    assert env.returncode == 0, env.stdout
    return View(
        launch_layers=_layers(ours["layers"]),
        cached_layers=_layers(cached[0]["layers"]) if cached else {},
        processes=processes,
        launch_env=_env_lines(env.stdout),
        decisions=decisions(build.phase("builder").output),
    )


def dev_view(work: Path, buildpack_id: str, log: str) -> View:
    escaped = buildpack_id.replace("/", "_")
    image = json.loads((work / "image" / "metadata.json").read_text())
    cache = json.loads((work / "cache" / "metadata.json").read_text())
    launch_toml = work / "image" / "launch.toml"
    raw = tomlio.load(launch_toml).get("processes", []) if launch_toml.exists() else []
    processes = [
        {
            "type": process["type"],
            "command": process["command"],
            "args": process.get("args", []),
            "default": process.get("default", False),
            "working-dir": process.get("working-dir", ""),
        }
        for process in raw
    ]
    layers_dir = work / "layers" / escaped
    env = launch_env(layers_dir, "", base_env(os.environ.get("HOME", "/"), {}), work / "workspace")

    def at_pack_paths(text: str) -> str:
        """dev keeps the app and layers in its work directory; pack at /workspace, /layers."""
        return text.replace(str(work / "layers"), LAYERS).replace(str(work / "workspace"), APP)

    return View(
        launch_layers=_layers(image["layers"]),
        cached_layers=_layers(cache["layers"]),
        processes=processes,
        launch_env={k: at_pack_paths(v) for k, v in env.items() if k not in SHELL_VARIABLES},
        decisions=decisions(at_pack_paths(log)),
    )


def differences(real: View, dev: View) -> list[str]:
    """Every field where the two platforms disagree, both sides printed."""
    found = []
    for field in ("launch_layers", "cached_layers", "processes", "launch_env", "decisions"):
        left, right = getattr(real, field), getattr(dev, field)
        if left != right:
            found.append(
                f"{field} differ:\n  lifecycle: {json.dumps(left, indent=2, sort_keys=True)}"
                f"\n  cnb-python dev: {json.dumps(right, indent=2, sort_keys=True)}"
            )
    return found
