"""A `BuildContext` for tests that run one build step in-process, without a lifecycle."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cnb_python.cnb.context import BuildContext, Target


def build_context(
    root: Path, app_dir: Path, platform_env: Mapping[str, str] | None = None
) -> BuildContext:
    """The app in `app_dir`; every other lifecycle directory under `root` (not created)."""
    return BuildContext(
        app_dir=app_dir,
        buildpack_dir=root / "bp",
        platform_dir=root / "platform",
        layers_dir=root / "layers",
        buildpack_plan_path=root / "plan.toml",
        target=Target(os="linux", arch="amd64"),
        platform_env=dict(platform_env or {}),
    )
