"""The target a local build is for: `--target`, `--stack`, or this host.

pack spells a target `os/arch[/variant][:distro@version]`; the lifecycle turns it into
`CNB_TARGET_*` (lc `platform/target_data.go`, `EnvVarsFor`): OS and arch always, variant and
distro only when known, and when the run image says nothing about its distro the build
container's `/etc/os-release` fills it in. With Platform API >= 0.12 the lifecycle also checks
the buildpack's `[[targets]]` before detect (`TargetSatisfiedForBuild`); kpack's 0.9 does not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from cnb_python.cnb.context import OS_RELEASE, Target, target_from_env
from cnb_python.errors import DevUsageError

_TARGET = re.compile(
    r"^(?P<os>[a-z0-9]+)/(?P<arch>[a-z0-9_]+)(?:/(?P<variant>[a-z0-9]+))?"
    r"(?::(?P<distro>[a-z0-9._-]+)@(?P<version>[A-Za-z0-9._-]+))?$"
)
_EXAMPLE = "--target linux/arm64:ubuntu@24.04"


def host_target(os_release: Path = OS_RELEASE) -> Target:
    """This machine, as the lifecycle describes a build container: linux, its arch, its distro."""
    return target_from_env({}, os_release)


def parse_target(text: str, os_release: Path = OS_RELEASE) -> Target:
    """Parse `os/arch[/variant][:distro@version]`. A missing distro comes from os-release."""
    match = _TARGET.match(text.strip())
    if match is None:
        raise DevUsageError(
            "--target", text, "Expected os/arch[/variant][:distro@version].", _EXAMPLE
        )
    if match["os"] != "linux":
        raise DevUsageError("--target", text, "Only linux targets can be built here.", _EXAMPLE)
    host = host_target(os_release)
    return Target(
        os=match["os"],
        arch=match["arch"],
        arch_variant=match["variant"] or "",
        distro_name=match["distro"] or host.distro_name,
        distro_version=match["version"] or host.distro_version,
    )


def with_stack(target: Target, stack_id: str) -> Target:
    return replace(target, stack_id=stack_id)


def target_env(target: Target) -> dict[str, str]:
    """The `CNB_TARGET_*` variables: OS and arch always; the others only when known."""
    env = {"CNB_TARGET_OS": target.os, "CNB_TARGET_ARCH": target.arch}
    optional = {
        "CNB_TARGET_ARCH_VARIANT": target.arch_variant,
        "CNB_TARGET_DISTRO_NAME": target.distro_name,
        "CNB_TARGET_DISTRO_VERSION": target.distro_version,
    }
    env.update({name: value for name, value in optional.items() if value})
    return env


def _matches(a: str, b: str) -> bool:
    return not a or not b or a == b


def satisfies(target: Target, declared: Sequence[Mapping[str, Any]]) -> bool:
    """Whether one of a buildpack's `[[targets]]` accepts `target`. No targets = anything.

    Empty on either side matches; listed distros must match name and version exactly. The
    lifecycle reads `arch-variant` (not the spec's `variant`, which it ignores).
    """
    if not declared:
        return True
    for entry in declared:
        if not (
            _matches(target.os, str(entry.get("os", "")))
            and _matches(target.arch, str(entry.get("arch", "")))
            and _matches(target.arch_variant, str(entry.get("arch-variant", "")))
        ):
            continue
        distros = entry.get("distros") or []
        if not distros:
            return True
        if not target.distro_name and not target.distro_version:
            continue
        for distro in distros:
            if _matches(target.distro_name, str(distro.get("name", ""))) and _matches(
                target.distro_version, str(distro.get("version", ""))
            ):
                return True
    return False
