"""What the lifecycle tells a buildpack: directories, the target, and the user's env.

Read from `CNB_*` variables (Buildpack API >= 0.8). The positional arguments the lifecycle still
passes are ignored on purpose. The target comes from `CNB_TARGET_*`; when the distro is
missing altogether (an old lifecycle) we fall back to `/etc/os-release` of the build
container, as the lifecycle itself does. `CNB_STACK_ID` is deprecated but builder
images such as heroku-24-build still set it, and it is the only way to tell scalingo-22 from a
generic jammy image, so it is kept as an optional stack id.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cnb_python.errors import MissingContext

OS_RELEASE = Path("/etc/os-release")


@dataclass(frozen=True)
class Target:
    """The platform the app will run on. Empty strings mean "unknown"."""

    os: str
    arch: str
    arch_variant: str = ""
    distro_name: str = ""
    distro_version: str = ""
    stack_id: str = ""

    def describe(self) -> str:
        distro = f" {self.distro_name} {self.distro_version}" if self.distro_name else ""
        stack = f" (stack {self.stack_id})" if self.stack_id else ""
        return f"{self.os}/{self.arch}{distro}{stack}"


def parse_os_release(text: str) -> dict[str, str]:
    """Parse os-release(5): KEY=value lines, values optionally quoted."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _host_arch() -> str:
    machine = os.uname().machine
    return {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)


def target_from_env(env: Mapping[str, str], os_release: Path = OS_RELEASE) -> Target:
    """The target the lifecycle describes. Only when it names no distro at all (an old
    lifecycle) does the build container's os-release stand in, as the lifecycle itself does
    for a run image without distro labels. A name without a version (a run image with only the
    name label) is kept as it is: the build image's version says nothing of the run image's."""
    distro_name = env.get("CNB_TARGET_DISTRO_NAME", "")
    distro_version = env.get("CNB_TARGET_DISTRO_VERSION", "")
    if not distro_name and not distro_version:
        try:
            release = parse_os_release(os_release.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            release = {}
        distro_name = release.get("ID", "")
        distro_version = release.get("VERSION_ID", "")
    return Target(
        os=env.get("CNB_TARGET_OS") or "linux",
        arch=env.get("CNB_TARGET_ARCH") or _host_arch(),
        arch_variant=env.get("CNB_TARGET_ARCH_VARIANT", ""),
        distro_name=distro_name,
        distro_version=distro_version,
        stack_id=env.get("CNB_STACK_ID", ""),
    )


def read_platform_env(platform_dir: Path) -> dict[str, str]:
    """The user's variables from `<platform>/env/`: file name = name, content = value, verbatim.

    Read ourselves even though the lifecycle also exports them (unless `clear-env`), so that
    settings are looked up in one place whatever the buildpack's `clear-env`.
    """
    env_dir = platform_dir / "env"
    values: dict[str, str] = {}
    if not env_dir.is_dir():
        return values
    for entry in sorted(env_dir.iterdir()):
        if entry.is_file():
            values[entry.name] = entry.read_text(encoding="utf-8", errors="surrogateescape")
    return values


def _required_path(env: Mapping[str, str], name: str, phase: str) -> Path:
    value = env.get(name, "")
    if not value:
        raise MissingContext(name, phase)
    return Path(value)


@dataclass(frozen=True)
class BuildContext:
    app_dir: Path
    buildpack_dir: Path
    platform_dir: Path
    layers_dir: Path
    buildpack_plan_path: Path
    target: Target
    platform_env: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str], app_dir: Path) -> BuildContext:
        platform_dir = _required_path(env, "CNB_PLATFORM_DIR", "build")
        return cls(
            app_dir=app_dir,
            buildpack_dir=_required_path(env, "CNB_BUILDPACK_DIR", "build"),
            platform_dir=platform_dir,
            layers_dir=_required_path(env, "CNB_LAYERS_DIR", "build"),
            buildpack_plan_path=_required_path(env, "CNB_BP_PLAN_PATH", "build"),
            target=target_from_env(env),
            platform_env=read_platform_env(platform_dir),
        )
