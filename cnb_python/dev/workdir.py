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
    trash/                      what was discarded, while a background `rm` deletes it
    .lock                       held by the one command using this directory
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from cnb_python import proc
from cnb_python.errors import DevUsageError, DevWorkDirBusy


def escape_id(buildpack_id: str) -> str:
    """The lifecycle's directory name for a buildpack id (lc `launch.EscapeID`)."""
    return buildpack_id.replace("/", "_")


def default_work_dir(app_dir: Path, env: Mapping[str, str]) -> Path:
    """`$XDG_CACHE_HOME/cnb-python/dev/<hash>` (or `~/.cache/...`), one per app path."""
    cache_home = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    digest = hashlib.sha256(str(app_dir.resolve()).encode()).hexdigest()[:16]
    return Path(cache_home) / "cnb-python" / "dev" / f"{app_dir.resolve().name}-{digest}"


def link_tree(source: Path, destination: Path) -> None:
    """`destination` as a copy of `source` made of hard links (directories are new, files are
    the same inodes), or real copies where the filesystem cannot link. Only for trees whose
    files nothing rewrites in place: the local platform checks that (restore.py)."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst, follow_symlinks=False)
        except OSError:
            shutil.copy2(src, dst, follow_symlinks=False)

    shutil.copytree(source, destination, symlinks=True, copy_function=link)


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

    @property
    def trash(self) -> Path:
        return self.root / "trash"

    def discard(self, path: Path) -> None:
        """Remove `path` (a tree) at once for anyone looking, and delete it in the background.

        A rename is atomic: a build killed at any point leaves the old tree or none, never a
        half-deleted one a later build would trust. Deleting directory trees is most of a
        no-op build's time on common filesystems (each rmdir is a journal write: about 1.7 ms,
        so a venv's thousand directories take seconds), so it happens off the critical path,
        in a detached `rm -rf`, and `sweep` finishes what a previous run left.
        """
        if not path.exists() and not path.is_symlink():
            return
        self.trash.mkdir(exist_ok=True)
        target = self.trash / f"{path.name}.{uuid.uuid4().hex[:12]}"
        path.rename(target)
        proc.start_detached(["rm", "-rf", "--", str(target)], env={"PATH": "/usr/bin:/bin"})

    def sweep(self) -> None:
        """Delete in the background what earlier discards left behind (a run that was killed
        before its `rm` finished)."""
        if self.trash.is_dir():
            for entry in list(self.trash.iterdir()):
                self.discard(entry)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the work directory for one command: two builds of one app at once would move
        each other's layers. A second command fails at once with a clear message."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DevWorkDirBusy(self.root) from None
            yield

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

    def fresh_workspace(self, app_dir: Path, keep: Callable[[str], bool] | None = None) -> None:
        """Copy the app as it is now; symlinks stay symlinks, like an archive upload. `keep`
        (project.toml's include/exclude) decides for each file by its relative path, as pack
        filters its upload; a directory is kept when something in it is, or `keep` says so."""
        self.discard(self.workspace)

        def ignored(directory: str, names: list[str]) -> set[str]:
            if keep is None:
                return set()
            base = Path(directory).relative_to(app_dir)
            return {
                name
                for name in names
                if not (Path(directory, name).is_dir() and not Path(directory, name).is_symlink())
                and not keep((base / name).as_posix())
            }

        shutil.copytree(app_dir, self.workspace, symlinks=True, ignore=ignored)
        if keep is not None:
            for path in every_path(self.workspace):
                relative = path.relative_to(self.workspace).as_posix()
                empty = path.is_dir() and not path.is_symlink() and not any(path.iterdir())
                if path != self.workspace and empty and not keep(relative + "/"):
                    path.rmdir()

    def fresh_platform(self, env: Mapping[str, str]) -> None:
        """`<platform>/env/NAME` holding the value verbatim, as pack writes `--env`."""
        self.discard(self.platform)
        env_dir = self.platform / "env"
        env_dir.mkdir(parents=True)
        for name, value in env.items():
            (env_dir / name).write_text(value, encoding="utf-8")
