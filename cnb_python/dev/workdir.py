"""Where the local platform keeps one app's builds, away from the app itself.

The app directory is only ever read: each build works on a fresh copy of it, as the lifecycle
works on `/workspace`. Everything else that a real platform keeps in volumes, images and
registries lives under one work directory per app, by default in the user's cache directory
under a hash of the app's absolute path, so a second `dev build` of the same app finds the
previous build's cache and "image" and does a rebuild.

Layout (the lifecycle's names where it has them):

    workspace/                  the app copy bin/detect and bin/build run in
    platform/env/               one file per --env K=V
    layers/<escaped id>/        CNB_LAYERS_DIR of the buildpack
    cache/                      the layer cache: cache=true layers and their metadata
    image/                      the "exported image": launch layers, app copy, metadata
    tmp/                        plan files, deleted after each phase
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from cnb_python.errors import DevUsageError


def escape_id(buildpack_id: str) -> str:
    """The lifecycle's directory name for a buildpack id (lc `launch.EscapeID`)."""
    return buildpack_id.replace("/", "_")


def default_work_dir(app_dir: Path, env: Mapping[str, str]) -> Path:
    """`$XDG_CACHE_HOME/cnb-python/dev/<hash>` (or `~/.cache/...`), one per app path."""
    cache_home = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    digest = hashlib.sha256(str(app_dir.resolve()).encode()).hexdigest()[:16]
    return Path(cache_home) / "cnb-python" / "dev" / f"{app_dir.resolve().name}-{digest}"


def every_path(top: Path) -> Iterator[Path]:
    """Everything below `top`, then `top`: deepest first (so a directory's mtime, set after
    its contents, sticks), links listed and not followed."""
    for dirpath, dirnames, filenames in os.walk(top, topdown=False):
        base = Path(dirpath)
        for name in [*filenames, *dirnames]:
            yield base / name
    yield top


def set_mtimes(top: Path, mtime: float | None) -> None:
    """Give every file under `top` the mtime `mtime` (None: now), links themselves included.

    The lifecycle's restorer extracts cached layers without restoring their mtimes, so their
    files are as new as the restore (lc `archive/extract.go`); the exporter writes every launch
    layer and the app with 1980-01-01 (lc `layers/writer.go`). Code that trusts mtimes (pyc
    invalidation, make-style freshness checks) must work under both.
    """
    times = None if mtime is None else (mtime, mtime)
    for path in every_path(top):
        os.utime(path, times, follow_symlinks=False)


@dataclass(frozen=True)
class WorkDir:
    root: Path

    @property
    def workspace(self) -> Path:
        return self.root / "workspace"

    @property
    def platform(self) -> Path:
        return self.root / "platform"

    @property
    def layers(self) -> Path:
        return self.root / "layers"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def image(self) -> Path:
        return self.root / "image"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def buildpack_layers(self, buildpack_id: str) -> Path:
        return self.layers / escape_id(buildpack_id)

    def check_outside(self, app_dir: Path) -> None:
        """The app is never written: a work dir inside it (or the app inside the work dir)
        would be copied into itself."""
        root, app = self.root.resolve(), app_dir.resolve()
        if root == app or app in root.parents or root in app.parents:
            raise DevUsageError(
                "--work",
                str(self.root),
                f"The work directory must be outside the app directory ({app}).",
                "--work /tmp/my-app-build",
            )

    def fresh_workspace(self, app_dir: Path) -> None:
        """Copy the app as it is now; symlinks stay symlinks, like an archive upload."""
        shutil.rmtree(self.workspace, ignore_errors=True)
        shutil.copytree(app_dir, self.workspace, symlinks=True)

    def fresh_platform(self, env: Mapping[str, str]) -> None:
        """`<platform>/env/NAME` holding the value verbatim, as pack writes `--env`."""
        shutil.rmtree(self.platform, ignore_errors=True)
        env_dir = self.platform / "env"
        env_dir.mkdir(parents=True)
        for name, value in env.items():
            (env_dir / name).write_text(value, encoding="utf-8")
