"""Build and launch apps with the real CNB lifecycle, in its OCI-layout mode, as pack does.

`scripts/install-lifecycle` builds the pinned lifecycle and pack; `scripts/check` exports
where they are (`CNB_PYTHON_LIFECYCLE`, `CNB_PYTHON_PACK`, and kpack's API spec,
`CNB_PYTHON_KPACK_OPENAPI`). Each phase runs as pack runs it
with `--layout` (pack `internal/build/lifecycle_execution.go`):

| phase    | user  | flags                                                           |
|----------|-------|-----------------------------------------------------------------|
| analyzer | root  | `-layout -layout-dir -run [-previous-image] [-skip-layers] IMG` |
| detector | build | `-app`                                                          |
| restorer | root  | `-cache-dir -layout -layout-dir [-skip-layers]`                 |
| builder  | build | `-app`                                                          |
| exporter | root  | `-app -cache-dir -run -layout -layout-dir IMG`                  |

The root phases get `CNB_USER_ID`/`CNB_GROUP_ID` and drop to the build user themselves; every
phase gets `CNB_PLATFORM_API` and `CNB_EXPERIMENTAL_MODE=warn` (layout mode is experimental).
Each runs in a container of its own (`tests/support/sandbox.py`): this machine's filesystem as
the build image, with `/workspace`, `/layers`, `/platform`, `/cache`, `/layout-repo` and `/cnb`
(buildpacks read-only, owned by root) bound at the paths pack uses. A rebuild gets a fresh
`/layers` and a fresh copy of the app; the cache and the image layout are kept.

Launch extracts the exported image into a root filesystem and runs its entrypoint there as the
image's user, with the image's env, on read-only layers (`launch` below).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cnb_python.cnb import tomlio
from tests.support import oci, sandbox
from tests.support.users import User

LIFECYCLE_SETTING = "CNB_PYTHON_LIFECYCLE"
PACK_SETTING = "CNB_PYTHON_PACK"
KPACK_OPENAPI_SETTING = "CNB_PYTHON_KPACK_OPENAPI"
SKIP_REASON = (
    f"the lifecycle tier needs the real lifecycle ({LIFECYCLE_SETTING} unset: run "
    '`eval "$(scripts/install-lifecycle)"`, which needs Go) and root (to create its users '
    "and mount namespaces)"
)
PHASE_TIMEOUT = 900
RUN_IMAGE = "run"
# The builder image's environment (what pack's containers start with).
BUILD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ROOT_PHASES = frozenset({"analyzer", "restorer", "exporter"})
# Where pack mounts the platform's directories in each phase's container.
APP, LAYERS, PLATFORM, CACHE, LAYOUT, CNB = (
    "/workspace", "/layers", "/platform", "/cache", "/layout-repo", "/cnb",
)  # fmt: skip


@dataclass(frozen=True)
class Tools:
    lifecycle: Path  # the phases and the launcher
    pack: Path | None
    kpack_openapi: Path | None = None  # kpack's api/openapi-spec/swagger.json

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Tools | None:
        lifecycle = env.get(LIFECYCLE_SETTING, "")
        if not lifecycle or not (Path(lifecycle) / "lifecycle").is_file():
            return None
        pack, kpack = env.get(PACK_SETTING, ""), env.get(KPACK_OPENAPI_SETTING, "")
        return cls(
            Path(lifecycle),
            Path(pack) if pack and Path(pack).is_file() else None,
            Path(kpack) if kpack and Path(kpack).is_file() else None,
        )

    @classmethod
    def required(cls) -> Tools:
        """The tools, or a skip; under CI a missing lifecycle is a failure, never a skip."""
        tools = cls.from_env()
        if tools is not None and os.geteuid() == 0:
            return tools
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {SKIP_REASON}")
        pytest.skip(SKIP_REASON)


@dataclass(frozen=True)
class BuildpackRef:
    id: str
    version: str

    @property
    def escaped(self) -> str:
        return self.id.replace("/", "_")

    @classmethod
    def of(cls, root: Path) -> BuildpackRef:
        descriptor: dict[str, Any] = tomlio.load(root / "buildpack.toml")
        return cls(descriptor["buildpack"]["id"], descriptor["buildpack"]["version"])


def install_buildpack(source: Path, buildpacks_dir: Path) -> BuildpackRef:
    """Copy a buildpack into `<buildpacks>/<escaped id>/<version>`, owned by root and read-only,
    as a builder image holds it (pack `pkg/buildpack/buildpack.go`: 0755 dirs, 0644 files)."""
    ref = BuildpackRef.of(source)
    dest = buildpacks_dir / ref.escaped / ref.version
    shutil.copytree(source, dest, symlinks=True)
    for directory in (buildpacks_dir, dest.parent):
        directory.chmod(0o755)
    for path in [dest, *dest.rglob("*")]:
        if path.is_symlink():
            continue
        os.chown(path, 0, 0)
        executable = path.is_dir() or path.stat().st_mode & 0o100
        path.chmod(0o555 if executable else 0o444)
    return ref


@dataclass(frozen=True)
class Phase:
    name: str
    argv: tuple[str, ...]
    returncode: int
    output: str
    seconds: float


@dataclass
class Build:
    """One build: the phases that ran, in order (a failed phase is the last one)."""

    image: str
    phases: list[Phase] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.phases) and self.phases[-1].returncode == 0 and len(self.phases) == 5

    def phase(self, name: str) -> Phase:
        for phase in self.phases:
            if phase.name == name:
                return phase
        raise KeyError(f"{name} did not run: {[p.name for p in self.phases]}")

    @property
    def output(self) -> str:
        return "\n".join(
            f"===> {p.name.upper()} (exit {p.returncode})\n{p.output}" for p in self.phases
        )


@dataclass(frozen=True)
class Stack:
    """The stack: the build user, and the run image (its user, distro labels and files)."""

    build_user: User
    run_image: oci.RunImage


def _home(rootfs: Path, uid: int) -> str:
    passwd = rootfs / "etc" / "passwd"
    for line in passwd.read_text().splitlines() if passwd.is_file() else []:
        fields = line.split(":")
        if len(fields) >= 6 and fields[2] == str(uid):
            return fields[5]
    return "/"


class Platform:
    """One app's builds under the real lifecycle, with their cache and image layout kept."""

    def __init__(
        self,
        root: Path,
        tools: Tools,
        buildpacks: Path,
        group: Sequence[BuildpackRef],
        stack: Stack,
        order: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """`order`: the `[[order]]` tables of the builder's order.toml (a builder.toml's are
        the same shape), when it is more than the one `group` of required buildpacks."""
        self.root = root
        self.tools = tools
        self.buildpacks = buildpacks
        self.group = tuple(group)
        self.order = (
            list(order)
            if order is not None
            else [{"group": [{"id": ref.id, "version": ref.version} for ref in self.group]}]
        )
        self.stack = stack
        self.cache = root / "cache"
        self.layout = root / "layout"
        self.cnb = root / "cnb"
        self.builds: list[Build] = []
        self._count = 0
        self.cache.mkdir(parents=True)
        oci.write_run_image(self.layout, RUN_IMAGE, stack.run_image)
        # The exporter drops to the build user before it writes the app image.
        for path in [self.cache, self.layout, *self.layout.rglob("*")]:
            os.chown(path, stack.build_user.uid, stack.build_user.gid)
        self._write_cnb_dir()

    def _write_cnb_dir(self) -> None:
        self.cnb.mkdir()
        tomlio.write_atomic(self.cnb / "order.toml", {"order": self.order})
        tomlio.write_atomic(self.cnb / "run.toml", {"images": [{"image": RUN_IMAGE}]})
        for name in ("order.toml", "run.toml"):
            (self.cnb / name).chmod(0o644)

    def _binds(self, build_dir: Path) -> list[sandbox.Bind]:
        return [
            sandbox.Bind(build_dir / "workspace", APP),
            sandbox.Bind(build_dir / "layers", LAYERS),
            sandbox.Bind(build_dir / "platform", PLATFORM),
            sandbox.Bind(self.cache, CACHE),
            sandbox.Bind(self.layout, LAYOUT),
            sandbox.Bind(self.cnb, CNB),
            sandbox.Bind(self.buildpacks, f"{CNB}/buildpacks", read_only=True),
            sandbox.Bind(self.tools.lifecycle, f"{CNB}/lifecycle", read_only=True),
        ]

    def _fresh_build_dir(self, app: Path, env: Mapping[str, str]) -> Path:
        """A new `/workspace` (a copy of the app, owned by the build user, as pack copies it
        in), an empty `/layers`, and `/platform/env/NAME` files for the user's env."""
        self._count += 1
        build_dir = self.root / "builds" / str(self._count)
        user = self.stack.build_user
        shutil.copytree(app, build_dir / "workspace", symlinks=True)
        (build_dir / "layers").mkdir()
        (build_dir / "platform" / "env").mkdir(parents=True)
        for name, value in env.items():
            (build_dir / "platform" / "env" / name).write_text(value, encoding="utf-8")
        for path in [build_dir / "workspace", *(build_dir / "workspace").rglob("*")]:
            os.chown(path, user.uid, user.gid, follow_symlinks=False)
        os.chown(build_dir / "layers", user.uid, user.gid)
        return build_dir

    def _phase_argv(
        self,
        name: str,
        *,
        image: str,
        previous_image: str | None,
        clear_cache: bool,
        log_level: str,
    ) -> list[str]:
        argv = [f"{CNB}/lifecycle/{name}", "-log-level", log_level]
        layout = ["-layout", "-layout-dir", LAYOUT]
        skip = ["-skip-layers"] if clear_cache else []
        if name == "analyzer":
            previous = ["-previous-image", previous_image] if previous_image else []
            return [*argv, *layout, "-run", f"{CNB}/run.toml", *previous, *skip, image]
        if name in ("detector", "builder"):
            return [*argv, "-app", APP]
        if name == "restorer":
            return [*argv, "-cache-dir", CACHE, *layout, *skip]
        return [*argv, "-app", APP, "-cache-dir", CACHE, "-run", f"{CNB}/run.toml", *layout, image]

    def build(
        self,
        app: Path,
        *,
        image: str = "app",
        previous_image: str | None = None,
        env: Mapping[str, str] | None = None,
        platform_api: str = "0.15",
        build_platform_api: str | None = None,
        clear_cache: bool = False,
        builder_env: Mapping[str, str] | None = None,
        log_level: str = "info",
    ) -> Build:
        """Run the five phases; stop at the first that fails. `build_platform_api`: the
        Platform API of the detector and builder, when it differs (kpack drives those at
        0.9, while layout mode needs >= 0.12 for the others). `builder_env`: extra variables
        of the builder image's own environment (say `CNB_STACK_ID`)."""
        build_dir = self._fresh_build_dir(app, env or {})
        user = self.stack.build_user
        result = Build(image)
        self.builds.append(result)
        for name in ("analyzer", "detector", "restorer", "builder", "exporter"):
            api = platform_api if name in ROOT_PHASES else build_platform_api or platform_api
            phase_env = {
                "PATH": BUILD_PATH,
                "HOME": user.home,
                "CNB_PLATFORM_API": api,
                "CNB_EXPERIMENTAL_MODE": "warn",
                "CNB_NO_COLOR": "true",
                **(builder_env or {}),
            }
            if name in ROOT_PHASES:
                phase_env |= {"CNB_USER_ID": str(user.uid), "CNB_GROUP_ID": str(user.gid)}
            argv = self._phase_argv(
                name,
                image=image,
                previous_image=previous_image,
                clear_cache=clear_cache,
                log_level=log_level,
            )
            command = sandbox.Command(
                argv, phase_env, user=None if name in ROOT_PHASES else user.ids
            )
            root = sandbox.host_root(self.root / "mnt", self._binds(build_dir))
            started = time.monotonic()
            done = sandbox.run(root, command, timeout=PHASE_TIMEOUT)
            result.phases.append(
                Phase(name, tuple(argv), done.returncode, done.stdout, time.monotonic() - started)
            )
            if done.returncode != 0:
                break
        return result

    def image(self, name: str = "app") -> oci.Image:
        return oci.Image.read(oci.ref_path(self.layout, name))

    def rootfs(self, name: str = "app") -> Path:
        """The image `name` extracted (once per image digest)."""
        image = self.image(name)
        digest = image.manifest["config"]["digest"].partition(":")[2][:16]
        rootfs = self.root / "rootfs" / f"{name}-{digest}"
        if not rootfs.is_dir():
            image.extract(rootfs)
        return rootfs

    def _launch(
        self, name: str, argv: Sequence[str] | None, env: Mapping[str, str] | None
    ) -> tuple[sandbox.Root, sandbox.Command]:
        image = self.image(name)
        rootfs = self.rootfs(name)
        root = sandbox.image_root(self.root / "mnt-launch", rootfs)
        # As a container runtime does: HOME from the image's passwd when the image sets none.
        home = {"HOME": _home(rootfs, image.user[0])} if "HOME" not in image.env else {}
        command = sandbox.Command(
            list(argv) if argv is not None else image.entrypoint,
            {**home, **image.env, **(env or {})},
            cwd=image.working_dir,
            user=image.user,
        )
        return root, command

    def run(
        self,
        argv: Sequence[str],
        *,
        image: str = "app",
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """Run `argv` (say `["/cnb/process/worker"]`, or `["launcher", "python", "-V"]`) in
        the image, as its user, to the end."""
        root, command = self._launch(image, argv, env)
        return sandbox.run(root, command, timeout=timeout)

    @contextlib.contextmanager
    def launched(
        self,
        *,
        image: str = "app",
        argv: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
        log: Path,
    ) -> Iterator[None]:
        """Start the image's entrypoint (its default process) or `argv` in the background,
        output to `log`; stopped on exit."""
        root, command = self._launch(image, argv, env)
        with log.open("w") as out, sandbox.popen(root, command, stdout=out.fileno()):
            yield
