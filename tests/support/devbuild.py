"""Build fixture apps with the real buildpack through `cnb-python dev build`, and run them.

Each `DevApp` is one app copy (tests may edit it between builds) with its own work directory,
so rebuilds restore from that app's own cache exactly as the lifecycle would. The runtime is an
archive of a CPython on this machine (a `dev mirror` catalog, no download); several versions
can be offered at once so an app may switch series between builds. The TLS settings of this
machine go in as *platform* env (`--env`), as a user behind a corporate proxy would pass them:
the lifecycle hands a buildpack nothing else of the host's environment.

`dev build`, `dev run` run as subprocesses so their stdout and stderr (the build log) are
captured whole, in order, with nothing of the test process leaking into them.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnb_python.cnb import tomlio
from cnb_python.cnb.layers import present_layer_names
from cnb_python.dev.launch import base_env, launch_env
from cnb_python.dev.mirror import merge_catalogs, mirror_catalog
from cnb_python.dev.targets import host_target
from cnb_python.layers.registry import KNOWN_LAYER_NAMES
from tests.support.runtimes import RuntimeArchives

FIXTURES = Path(__file__).parents[1] / "fixtures" / "apps"
CLI = [sys.executable, "-c", "import sys; from cnb_python.cli import main; sys.exit(main())"]
BUILDPACK_ID = "cnb-python_python"
# The host settings a user behind a TLS-intercepting proxy would pass with `pack build --env`.
TLS_SETTINGS = ("SSL_CERT_FILE", "SSL_CERT_DIR", "PIP_CERT", "REQUESTS_CA_BUNDLE")
BUILD_TIMEOUT = 600


def tls_env(parent: Mapping[str, str] = os.environ) -> dict[str, str]:
    return {name: parent[name] for name in TLS_SETTINGS if parent.get(name)}


def write_catalog(archives: RuntimeArchives, versions: Sequence[str | None], path: Path) -> Path:
    """One mirror catalog offering every runtime in `versions` (None: this test's Python), as
    `dev mirror` run once per version makes it (`merge_catalogs`).

    The first one is the default; each stack lists every series so `.python-version` picks.
    """
    catalogs = [mirror_catalog(archives.get(version)) for version in versions]
    if not catalogs:
        raise ValueError("at least one runtime version is needed")
    tomlio.write_atomic(path, functools.reduce(merge_catalogs, catalogs))
    return path


def two_arch_catalog(
    archives: RuntimeArchives, path: Path, versions: Sequence[str | None] = (None,)
) -> Path:
    """`write_catalog` of `versions`, listed for amd64 and arm64 (there is no arm64 runtime
    host here: the arm64 entries name the same archives), for packaging both arches; an arm64
    package's wheels are arm64's all the same."""
    write_catalog(archives, versions, path)
    data: dict[str, Any] = tomlio.load(path)
    data["artifacts"] += [{**artifact, "arch": "arm64"} for artifact in data["artifacts"]]
    for stack in data["stacks"]:
        stack["archs"] = ["amd64", "arm64"]
    tomlio.write_atomic(path, data)
    return path


@dataclass
class BuildResult:
    returncode: int
    log: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class DevApp:
    """One fixture app copy, its work dir, and its builds.

    `env` is the platform env of every build (tests may change it between builds); `extra`
    arguments to `build()` are added for one build only.
    """

    app: Path
    work: Path
    catalog: Path
    env: dict[str, str] = field(default_factory=dict)
    builds: list[BuildResult] = field(default_factory=list)

    @property
    def layers_dir(self) -> Path:
        """The buildpack's layers dir: after a build, exactly the launch image's layers."""
        return self.work / "layers" / BUILDPACK_ID

    @property
    def cache_dir(self) -> Path:
        return self.work / "cache" / "layers"

    @property
    def workspace(self) -> Path:
        return self.work / "workspace"

    @property
    def log(self) -> str:
        """The last build's log (stdout and stderr merged)."""
        return self.builds[-1].log if self.builds else ""

    def _cli_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
        env["NO_COLOR"] = "1"
        return env

    def build(
        self,
        *,
        env: Mapping[str, str] | None = None,
        clear_cache: bool = False,
        check: bool = True,
        buildpack: Path | None = None,
        umask: int = -1,
        wrapper: Sequence[str] = (),
    ) -> BuildResult:
        """`dev build` the app as it is now; with `check`, a failed build fails the test.
        `buildpack`: another buildpack directory than this checkout (say, a previous release).
        `umask`: the one the platform starts the build with (-1: this process's).
        `wrapper`: a command the `dev build` command line is appended to (a mount namespace)."""
        platform_env = {**self.env, **(env or {})}
        argv = [
            *CLI, "dev", "build", str(self.app), "--work", str(self.work),
            "--target", f"linux/{host_target().arch}:ubuntu@24.04",
        ]  # fmt: skip
        for name, value in platform_env.items():
            argv += ["--env", f"{name}={value}"]
        if clear_cache:
            argv.append("--clear-cache")
        if buildpack is not None:
            argv += ["--buildpack", str(buildpack)]
        done = subprocess.run(
            [*wrapper, *argv],
            env=self._cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=BUILD_TIMEOUT,
            check=False,
            umask=umask,
        )
        result = BuildResult(done.returncode, done.stdout)
        self.builds.append(result)
        if check and not result.ok:
            raise AssertionError(f"dev build failed ({done.returncode}):\n{done.stdout}")
        if buildpack is None:
            # The build removes every layer it does not declare (older releases' layers), so a
            # layer it writes without declaring it would be deleted by the next build.
            undeclared = present_layer_names(self.cache_dir) | present_layer_names(self.layers_dir)
            undeclared -= KNOWN_LAYER_NAMES
            assert not undeclared, (
                f"layers not declared in cnb_python/layers/registry.py: {undeclared}"
            )
        return result

    def rebuild(self, **kwargs: Any) -> BuildResult:
        return self.build(**kwargs)

    def run(
        self, command: Sequence[str], *, env: Mapping[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Run a command in the launch environment of the last build (`dev run`)."""
        argv = [*CLI, "dev", "run", str(self.app), "--work", str(self.work)]
        for name, value in (env or {}).items():
            argv += ["--env", f"{name}={value}"]
        return subprocess.run(
            [*argv, "--", *command],
            env=self._cli_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def launch_env(self, process_type: str = "") -> dict[str, str]:
        """The env a process of the last build would start with (exec.d programs run)."""
        return launch_env(
            self.layers_dir, process_type, base_env(os.environ.get("HOME", "/"), {}), self.workspace
        )


@dataclass
class DevApps:
    """Factory behind the `dev_app` fixture: `dev_app("pip_basic")` copies the fixture."""

    archives: RuntimeArchives
    root: Path
    _count: int = 0

    def __call__(
        self,
        fixture: str | Path,
        *,
        versions: Sequence[str | None] = (None,),
        env: Mapping[str, str] | None = None,
    ) -> DevApp:
        self._count += 1
        base = self.root / f"app{self._count}"
        source = fixture if isinstance(fixture, Path) else FIXTURES / fixture
        app = base / "app"
        shutil.copytree(source, app, symlinks=True)
        base.joinpath("work").mkdir()
        catalog = write_catalog(self.archives, versions, base / "catalog.toml")
        platform_env = {"BP_PYTHON_CATALOG": str(catalog), **tls_env(), **(env or {})}
        return DevApp(app=app, work=base / "work", catalog=catalog, env=platform_env)
