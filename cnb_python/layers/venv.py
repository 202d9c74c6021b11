"""The `venv` layer: the app's dependencies, for the app (launch), later buildpacks (build) and
the next build (cache).

A PEP 405 venv made with `python -m venv --without-pip` and filled from outside by the
installer in its tool layer, so the launch image holds the dependencies and nothing that
installed them. Its name sorts after `python`, so its `bin/python` comes first on PATH.

Its metadata is its cache key: the runtime (version and archive sha256: the venv's
`bin/python` links into the python layer), the manager, the installer and its version, the
target, the sha256 of every dependency file the manager names, and a digest of the index
settings keyed with a secret kept in the cache (they may hold credentials, and the key is
published in the image's labels). Same key: the venv is reused and the installer does not run
at all, except for what the manager's `refresh` must redo (local packages). Different key: the
venv is rebuilt from scratch, so what a file no longer lists is gone; the installers' caches
make that quick. The log names every reason.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from functools import partial
from pathlib import Path

from cnb_python import proc
from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.env import LayerEnv, Scope, apply_layer_for_build
from cnb_python.cnb.layers import LayerMetadata, LayerTypes
from cnb_python.errors import CommandFailed, DiskFull, VenvCreateFailed
from cnb_python.layers import bytecode
from cnb_python.layers.declared import CachedLayerDecl
from cnb_python.layers.python import InstalledPython
from cnb_python.layers.reuse import reuse_or_install
from cnb_python.layers.target_key import runtime_reasons, target_reasons
from cnb_python.limits import INSTALL_TIMEOUT
from cnb_python.managers.base import (
    DIGEST_SCHEME,
    InstallJob,
    KeyInputs,
    PackageManager,
    Tool,
    settings_digest,
)
from cnb_python.managers.pip_sync import RebuildNeeded
from cnb_python.output import Output

LAYER_NAME = "venv"
# Bump when the layer's contents or env change in a way old layers lack.
# 2: unchecked-hash pycs, compiled once by `layers.bytecode` (were the installers' checked-hash).
LAYER_VERSION = "2"
TYPES = LayerTypes(launch=True, build=True, cache=True)
WHAT = "virtual environment"


class VenvMetadata(LayerMetadata):
    layer_version: str
    manager: str
    installer: str
    installer_version: str
    python_version: str
    artifact_sha256: str
    arch: str
    distro_name: str
    distro_version: str
    stack_id: str
    files: str  # JSON object {name: sha256}, sorted: metadata values must be strings
    index_settings: str  # keyed digest of the index settings (managers.base), "" when none
    options: str = ""  # e.g. "groups=dev,test"
    # pip: a digest of what an in-place update needs unchanged (file options, index settings).
    sync_options: str = ""


def metadata_for(
    ctx: BuildContext,
    runtime: InstalledPython,
    manager: PackageManager,
    installer_version: str,
    inputs: KeyInputs,
    *,
    settings_key: bytes,
) -> VenvMetadata:
    index = settings_digest(inputs.settings, settings_key)
    sync = ""
    if inputs.sync_options:
        sync = hashlib.sha256(f"{inputs.sync_options}\n{index}".encode()).hexdigest()
    return VenvMetadata(
        layer_version=LAYER_VERSION,
        manager=manager.name,
        installer=manager.installer,
        installer_version=installer_version,
        python_version=runtime.version,
        artifact_sha256=runtime.artifact_sha256,
        arch=runtime.arch,
        distro_name=ctx.target.distro_name,
        distro_version=ctx.target.distro_version,
        stack_id=runtime.stack_id,
        files=json.dumps(dict(sorted(inputs.files.items())), separators=(",", ":")),
        index_settings=index,
        options=inputs.options,
        sync_options=sync,
    )


def _files(metadata: VenvMetadata) -> dict[str, str]:
    try:
        value = json.loads(metadata.files)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def file_reasons(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    reasons = []
    for name in sorted(set(old) | set(new)):
        if name not in old:
            reasons.append(f"{name} is new")
        elif name not in new:
            reasons.append(f"{name} is no longer used")
        elif old[name] != new[name]:
            reasons.append(f"{name} changed")
    return reasons


def input_reasons(cached: VenvMetadata, new: VenvMetadata) -> list[str]:
    """What changed in the manager's inputs: its files, index settings and options."""
    reasons = file_reasons(_files(cached), _files(new))
    if cached.index_settings != new.index_settings:
        if cached.index_settings.startswith(DIGEST_SCHEME) or not cached.index_settings:
            reasons.append("the package index settings changed")
        else:
            reasons.append("the buildpack now records the package index settings differently")
    if cached.options != new.options:
        reasons.append(
            f"the options changed from {cached.options or 'none'} to {new.options or 'none'}"
        )
    return reasons


def invalidation_reasons(
    cached: VenvMetadata, new: VenvMetadata, *, syncs_in_place: bool = False, blocker: str = ""
) -> list[str]:
    """Every reason the cached venv does not fit this build; empty when it can be reused.
    `blocker`: why this build's files cannot be updated in place, told with their changes."""
    reasons: list[str] = []
    if cached.layer_version != new.layer_version:
        reasons.append("the buildpack now lays out the virtual environment differently")
    if cached.manager != new.manager:
        reasons.append(f"the package manager changed from {cached.manager} to {new.manager}")
    old_tool = f"{cached.installer} {cached.installer_version}"
    new_tool = f"{new.installer} {new.installer_version}"
    if old_tool != new_tool:
        reasons.append(f"the installer changed from {old_tool} to {new_tool}")
    reasons.extend(runtime_reasons(cached, new))
    reasons.extend(target_reasons(cached, new, stacks=(cached.stack_id, new.stack_id)))
    changed = input_reasons(cached, new) if not syncs_in_place else []
    reasons.extend(changed)
    if changed and blocker:
        reasons.append(f"it cannot be updated in place: {blocker}")
    # (A layer of another layout is rebuilt anyway, and older ones recorded no options.)
    same_layout = cached.layer_version == new.layer_version
    if not changed and same_layout and cached.sync_options != new.sync_options:
        reasons.append(
            "the options in the requirements files or the package index settings changed"
        )
    return reasons


def _looks_complete(venv: Path) -> bool:
    return (venv / "pyvenv.cfg").is_file() and (venv / "bin" / "python").exists()


def _declare(*, syncs_in_place: bool, blocker: str = "") -> CachedLayerDecl[VenvMetadata]:
    """`blocker`: why this build's files cannot be updated in place (pip), for the log."""
    reasons = partial(invalidation_reasons, syncs_in_place=syncs_in_place, blocker=blocker)
    return CachedLayerDecl(
        name=LAYER_NAME,
        types=TYPES,
        model=VenvMetadata,
        invalidation_reasons=reasons,
        complete=lambda path, _: _looks_complete(path),
        previous=lambda _: WHAT,
    )


# One layer, two reuse rules: a manager that syncs in place (Poetry, uv, and pip when its files
# allow: `managers.pip_sync`) refreshes a venv whose files changed; Pipenv only adds, so a
# change of its files rebuilds it (as pip's do when `KeyInputs.sync_blocker` says why).
LAYER = _declare(syncs_in_place=False)
SYNCED_LAYER = _declare(syncs_in_place=True)


def install_venv(
    ctx: BuildContext,
    runtime: InstalledPython,
    manager: PackageManager,
    inputs: KeyInputs,
    tools: Mapping[str, Tool],
    *,
    env: dict[str, str],
    output: Output,
    settings_key: bytes,
) -> Path:
    """Reuse or rebuild the venv; update `env` (venv `bin` first on PATH, VIRTUAL_ENV).
    `inputs` is the manager's part of the key, read while the build decided (`decide.py`);
    `settings_key` keys the digest of the index settings (`managers.base.settings_digest`)."""
    installer_version = tools[manager.installer].version
    new = metadata_for(ctx, runtime, manager, installer_version, inputs, settings_key=settings_key)
    blocker = inputs.sync_blocker
    syncs = manager.syncs_in_place and not blocker
    layer = SYNCED_LAYER if syncs else LAYER
    timeout = float(INSTALL_TIMEOUT.read(ctx.platform_env))

    def install(venv: Path) -> None:
        _create(runtime, venv, env, output)
        apply_layer_for_build(env, venv)
        manager.install(InstallJob(ctx.app_dir, venv, tools, env, output, timeout=timeout))
        _remove_installer_lock(venv)
        _compile(venv, runtime, env, output)

    def refresh(venv: Path, cached: VenvMetadata) -> None:
        changes = tuple(input_reasons(cached, new)) if syncs else ()
        apply_layer_for_build(env, venv)
        try:
            ran = manager.refresh(
                InstallJob(ctx.app_dir, venv, tools, env, output, changes, timeout=timeout)
            )
        except RebuildNeeded as rebuild:
            output.discarding(WHAT, [rebuild.reason])
            _empty(venv)
            install(venv)
            return
        _remove_installer_lock(venv)  # uv leaves it even when `--check` finds nothing to do
        if ran:
            _compile(venv, runtime, env, output)

    return reuse_or_install(
        ctx.layers_dir,
        _declare(syncs_in_place=False, blocker=blocker) if blocker else layer,
        new,
        what=WHAT,
        announce=False,  # `_create` and the manager log their own steps
        install=install,
        refresh=refresh,
        output=output,
    )


def _empty(venv: Path) -> None:
    for entry in venv.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _compile(venv: Path, runtime: InstalledPython, env: Mapping[str, str], output: Output) -> None:
    """Unchecked-hash pycs for everything installed into site-packages (`layers.bytecode`)."""
    site_packages = venv / "lib" / f"python{runtime.series}" / "site-packages"
    compiled = bytecode.compile_tree(venv / "bin" / "python", [site_packages], env)
    if compiled:
        output.detail(f"Compiled bytecode for {compiled} module{'s' if compiled != 1 else ''}")


def _remove_installer_lock(venv: Path) -> None:
    """uv (`uv sync`, `uv pip install`) leaves `<venv>/.lock` behind, mode 0666 so any user
    can take it: a world-writable file in a launch layer of the image. It holds nothing, and
    uv makes it again when it next works on the venv."""
    (venv / ".lock").unlink(missing_ok=True)


def create_venv(runtime: InstalledPython, path: Path, env: Mapping[str, str], layer: str) -> None:
    """`python -m venv --without-pip` of `runtime` at `path` (this layer's, or a tool's own);
    a full disk and any other failure each end in their own message."""
    try:
        proc.run_python(
            runtime.python, ["-m", "venv", "--without-pip", path], env=env, capture=True
        )
    except CommandFailed as error:
        if proc.ran_out_of_disk(error.output):
            raise DiskFull(f"in the {layer} layer") from None
        raise VenvCreateFailed(runtime.version, error.output) from None


def _create(runtime: InstalledPython, venv: Path, env: Mapping[str, str], output: Output) -> None:
    output.step("Creating virtual environment")
    create_venv(runtime, venv, env, LAYER_NAME)
    # VIRTUAL_ENV for the app and later buildpacks; PIP_PYTHON so a later `pip install`
    # (a hook, another buildpack) targets the venv rather than the runtime.
    (
        LayerEnv()
        .override("VIRTUAL_ENV", str(venv))
        .override("PIP_PYTHON", str(venv), scope=Scope.BUILD)
        .write(venv)
    )
