"""The part of a layer's cache key that says what the layer was built for.

A layer built for another architecture, distro or stack holds binaries that may not run here
(a venv's compiled extensions link against the build image's libraries), so every layer keys
on the target and says the same thing when it changes. Layers whose contents link to the
app's Python (a venv, a tool's venv, pip installed into the runtime) key on that runtime too.
"""

from __future__ import annotations

from typing import Protocol


class TargetKeyed(Protocol):
    @property
    def arch(self) -> str: ...

    @property
    def distro_name(self) -> str: ...

    @property
    def distro_version(self) -> str: ...


class RuntimeKeyed(Protocol):
    @property
    def python_version(self) -> str: ...

    @property
    def artifact_sha256(self) -> str: ...


def runtime_reasons(cached: RuntimeKeyed, new: RuntimeKeyed) -> list[str]:
    """The Python runtime the layer was built on, when it differs (one reason at most: a new
    version has a new archive anyway)."""
    if cached.python_version != new.python_version:
        return [f"the Python version changed from {cached.python_version} to {new.python_version}"]
    if cached.artifact_sha256 != new.artifact_sha256:
        return ["the Python runtime archive changed"]
    return []


class ArchKeyed(Protocol):
    @property
    def arch(self) -> str: ...


def arch_reasons(cached: ArchKeyed, new: ArchKeyed) -> list[str]:
    """For layers that key on the architecture only (pure-Python contents, like pip's)."""
    if cached.arch != new.arch:
        return [f"the architecture changed from {cached.arch} to {new.arch}"]
    return []


def target_reasons(
    cached: TargetKeyed, new: TargetKeyed, *, stacks: tuple[str, str] | None = None
) -> list[str]:
    """Every target difference between a cached layer's key and this build's, worded for the
    log. `stacks` is (cached, new) stack id, for layers whose key includes the stack."""
    reasons = arch_reasons(cached, new)
    old_distro = f"{cached.distro_name} {cached.distro_version}".strip()
    new_distro = f"{new.distro_name} {new.distro_version}".strip()
    if old_distro != new_distro:
        reasons.append(f"the distro changed from {old_distro or 'unknown'} to {new_distro}")
    if stacks is not None and stacks[0] != stacks[1]:
        reasons.append(f"the stack changed from {stacks[0]} to {stacks[1]}")
    return reasons
