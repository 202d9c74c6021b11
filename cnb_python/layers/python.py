"""The `python` layer: the resolved CPython, for the app (launch), later buildpacks (build) and
the next build (cache).

Its metadata is its cache key: the Python version, the artifact's sha256, the arch, the distro
and the stack. A restored layer whose key matches is reused as it is, without any network
access; otherwise `invalidation_reasons` names every difference and the layer is rebuilt from
scratch (the decision, its log lines and the metadata-last rule: `layers/reuse.py`). The series
is stored too, so the next build can pin it (`read_previous_series`).

Installing: download to an anonymous temporary file outside the layer (verified before
anything is extracted), extract into the empty layer, make sure `bin/python` exists, drop
what no run needs and rewrite the build-time prefix that sysconfig and friends remember
(`layers.runtime_tree`), write the env files, start compiling the standard library's missing
bytecode while the build goes on, and last (`InstalledPython.finish`) the manifest of every
file (`layers.manifest`), without which a restored layer is not complete.

Bytecode is `unchecked-hash` (`layers.bytecode`, which says why that is safe): the lifecycle
exports the layer read-only with 1980 mtimes, where timestamp pycs are always stale and
checked-hash ones cost a hash of the source per import. It is compiled after the sysconfig
rewrite, so the rewritten modules get pycs of their new text; an archive's own unchecked-hash
pycs (Heroku ships them) are kept where they match their source.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from cnb_python import proc
from cnb_python.archive import ExtractLimits, extract
from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.env import LayerEnv, Scope, apply_layer_for_build
from cnb_python.cnb.layers import LayerMetadata, LayerTypes, read_restored_metadata
from cnb_python.download import RetryPolicy, fetch
from cnb_python.errors import CommandFailed, RuntimeArchiveInvalid
from cnb_python.errors.runtime import archive_version_differs
from cnb_python.layers import bytecode, manifest
from cnb_python.layers.declared import CachedLayerDecl
from cnb_python.layers.reuse import reuse_or_install
from cnb_python.layers.runtime_tree import (
    STDLIB_SKIP,
    compile_stdlib,
    drop_bundled_pip,
    drop_unneeded,
    relocate_sysconfig,
    stdlib_roots,
)
from cnb_python.layers.target_key import target_reasons
from cnb_python.offline import vendored_runtime
from cnb_python.output import Output
from cnb_python.resolve import Resolution
from cnb_python.sbom import write_python_sbom
from cnb_python.trust import NETWORK_SETTINGS
from cnb_python.urls import redact_url

LAYER_NAME = "python"
# Bump when the layer's contents or env change in a way old layers lack.
# 2: no timestamp pycs (compileall's own imports left 42 that went stale on new mtimes).
# 3: the manifest (`layers.manifest`) that makes the completeness check meaningful.
# 4: unchecked-hash pycs for the standard library (were checked-hash); no pip of the archive.
LAYER_VERSION = "4"
TYPES = LayerTypes(launch=True, build=True, cache=True)
SOURCE_DATE_EPOCH = bytecode.SOURCE_DATE_EPOCH
_SERIES = re.compile(r"^\d+\.\d+$")


class PythonLayerMetadata(LayerMetadata):
    layer_version: str
    python_version: str
    series: str
    artifact_sha256: str
    arch: str
    distro_name: str
    distro_version: str
    stack_id: str


def invalidation_reasons(cached: PythonLayerMetadata, new: PythonLayerMetadata) -> list[str]:
    """Every reason the cached layer does not fit this build; empty when it can be reused."""
    reasons: list[str] = []
    if cached.layer_version != new.layer_version:
        reasons.append("the buildpack now lays out the Python layer differently")
    if cached.python_version != new.python_version:
        reasons.append(
            f"the Python version changed from {cached.python_version} to {new.python_version}"
        )
    elif cached.series != new.series:
        reasons.append(f"the Python series changed from {cached.series} to {new.series}")
    elif cached.artifact_sha256 != new.artifact_sha256:
        reasons.append(
            f"the runtime archive changed (sha256 {cached.artifact_sha256[:12]} to "
            f"{new.artifact_sha256[:12]})"
        )
    reasons.extend(target_reasons(cached, new, stacks=(cached.stack_id, new.stack_id)))
    return reasons


LAYER = CachedLayerDecl(
    name=LAYER_NAME,
    types=TYPES,
    model=PythonLayerMetadata,
    invalidation_reasons=invalidation_reasons,
    complete=lambda path, key: _looks_complete(path, key.series),
    previous=lambda old: f"Python {old.python_version}" if old else "Python",
)


def read_previous_series(layers_dir: Path) -> str | None:
    """The series the previous build installed, from the restored layer's metadata; None when
    there is no previous layer or its metadata is unusable."""
    metadata = read_restored_metadata(layers_dir, LAYER_NAME)
    if not metadata:
        return None
    series = metadata.get("series")
    if isinstance(series, str) and _SERIES.match(series.strip()):
        return series.strip()
    return None


@dataclass(frozen=True)
class InstalledPython:
    """The Python this build installed (or reused), as the layers built on it need it: their
    keys name its version and archive, and they run its interpreter."""

    layer_dir: Path
    version: str
    series: str
    artifact_sha256: str
    arch: str
    stack_id: str
    # The standard library's compile when this build installed the layer (None: reused).
    bytecode: StdlibBytecode | None = None

    @property
    def python(self) -> Path:
        return self.layer_dir / "bin" / "python"

    def finish(self, output: Output) -> None:
        """Wait for the standard library's bytecode and complete the layer; before anything
        runs the app's code, and before the build ends."""
        if self.bytecode is not None:
            self.bytecode.finish(output)


def metadata_for(ctx: BuildContext, resolution: Resolution) -> PythonLayerMetadata:
    return PythonLayerMetadata(
        layer_version=LAYER_VERSION,
        python_version=resolution.version,
        series=resolution.series,
        artifact_sha256=resolution.artifact.sha256.lower(),
        arch=resolution.arch,
        distro_name=ctx.target.distro_name,
        distro_version=ctx.target.distro_version,
        stack_id=resolution.stack_id,
    )


def install_python(
    ctx: BuildContext,
    resolution: Resolution,
    env: dict[str, str],
    output: Output,
    download_env: Mapping[str, str],
    *,
    retry_policy: RetryPolicy | None = None,
) -> InstalledPython:
    """Reuse or install the layer; update `env` so later subprocesses run this Python.
    `retry_policy` is for tests (short timeouts, no real sleep)."""
    settings = {**download_env, **_download_settings(ctx.platform_env)}
    started: list[StdlibBytecode] = []
    path = reuse_or_install(
        ctx.layers_dir,
        LAYER,
        metadata_for(ctx, resolution),
        what=f"Python {resolution.version}",
        # The "Installing" line comes after the download, from `_install`.
        announce=False,
        install=lambda path: started.append(
            _install(
                path,
                resolution,
                env,
                output,
                download_env=settings,
                retry_policy=retry_policy or RetryPolicy.from_env(ctx.platform_env),
                extract_limits=ExtractLimits.from_env(ctx.platform_env),
            )
        ),
        output=output,
    )
    write_python_sbom(
        ctx.layers_dir,
        LAYER_NAME,
        resolution.version,
        url=resolution.artifact.url,
        sha256=resolution.artifact.sha256,
    )
    apply_layer_for_build(env, path)
    return InstalledPython(
        path,
        resolution.version,
        resolution.series,
        resolution.artifact.sha256.lower(),
        resolution.arch,
        resolution.stack_id,
        started[0] if started else None,
    )


def _download_settings(platform_env: Mapping[str, str]) -> dict[str, str]:
    """The user's proxy and CA settings, which the download honours even under clear-env."""
    return {
        name: platform_env[name].strip()
        for name in NETWORK_SETTINGS
        if platform_env.get(name, "").strip()
    }


def _looks_complete(layer_dir: Path, series: str) -> bool:
    """Every entry the install recorded is still there (`layers.manifest`), the interpreter
    and its standard library included."""
    return (
        (layer_dir / "bin" / "python").exists()
        and (layer_dir / "lib" / f"python{series}").is_dir()
        and manifest.is_complete(layer_dir)
    )


def _install(
    layer_dir: Path,
    resolution: Resolution,
    env: Mapping[str, str],
    output: Output,
    *,
    download_env: Mapping[str, str],
    retry_policy: RetryPolicy,
    extract_limits: ExtractLimits,
) -> StdlibBytecode:
    artifact = resolution.artifact
    shown = redact_url(artifact.url)
    carried = vendored_runtime(artifact.sha256)
    if carried:
        output.step(f"Using Python {resolution.version} carried by the buildpack (offline)")
    else:
        output.step(f"Downloading Python {resolution.version} from {shown}")
    # An anonymous file: a build killed here leaves no partial download behind.
    with tempfile.TemporaryFile(prefix="cnb-python-runtime-") as scratch:
        fetched = fetch(
            carried.as_uri() if carried else artifact.url,
            scratch,
            sha256=artifact.sha256,
            env=download_env,
            output=output,
            policy=retry_policy,
            what=f"while downloading Python {resolution.version} to {tempfile.gettempdir()}",
        )
        output.detail(
            f"{'Copied' if carried else 'Downloaded'} {fetched.size / 1048576:.1f} MiB in "
            f"{fetched.seconds:.1f}s, "
            f"sha256 verified"
        )
        output.step(f"Installing Python {resolution.version}")
        scratch.seek(0)
        extract(
            scratch,
            layer_dir,
            fmt=artifact.format,
            strip_components=artifact.strip_components,
            limits=extract_limits,
            name=Path(artifact.url.split("?", 1)[0]).name or "the runtime archive",
            where=f"in the {LAYER_NAME} layer",
        )
    _ensure_commands(layer_dir, resolution, shown)
    drop_bundled_pip(layer_dir, resolution.series)
    dropped = drop_unneeded(layer_dir, resolution.series)
    if dropped.files:
        output.detail(
            f"Removed {dropped.files} files no app run needs ({dropped.bytes / 1048576:.1f} MiB: "
            "test suites, static libpython, optimised-level pycs)"
        )
    relocate_sysconfig(layer_dir, resolution.series)
    layer_env = _layer_env(layer_dir, resolution.series)
    layer_env.write(layer_dir)
    run_env = dict(env)
    apply_layer_for_build(run_env, layer_dir)
    _check_runs(layer_dir, resolution, run_env, shown, output)
    return StdlibBytecode(
        layer_dir,
        resolution.series,
        run_env,
        bytecode.compile_later(
            layer_dir / "bin" / "python", stdlib_roots(layer_dir, resolution.series), run_env,
            skip=STDLIB_SKIP,
        ),
    )  # fmt: skip


@dataclass(frozen=True)
class StdlibBytecode:
    """The standard library's compile, running while the build goes on (`compile_later`), and
    what completes the layer after it: the manifest, written last (a layer without one is not
    complete, so a build killed before this point leaves a layer the next build reinstalls)."""

    layer_dir: Path
    series: str
    env: Mapping[str, str]
    pending: Future[int]

    def finish(self, output: Output) -> None:
        compiled = self.pending.result()
        # A tool that imported a module before its pyc existed wrote a timestamp pyc, which
        # the selector sees as stale: one more pass, which finds few or none.
        compile_stdlib(self.layer_dir, self.series, self.env)
        if compiled:
            output.detail(f"Compiled bytecode for {compiled} standard library modules")
        manifest.write(self.layer_dir)


def _ensure_commands(layer_dir: Path, resolution: Resolution, url: str) -> None:
    """`bin/python` and `bin/python3` exist afterwards, as relative symlinks when added."""
    bin_dir = layer_dir / "bin"
    versioned = bin_dir / f"python{resolution.series}"
    if not versioned.exists():
        found = ", ".join(sorted(p.name for p in bin_dir.iterdir())) if bin_dir.is_dir() else ""
        raise RuntimeArchiveInvalid(
            url,
            resolution.version,
            f"bin/python{resolution.series} is missing after extraction "
            f"(bin/ holds: {found or 'nothing'})",
        )
    for name, target in (("python3", versioned.name), ("python", "python3")):
        link = bin_dir / name
        if not link.exists() and not link.is_symlink():
            link.symlink_to(target)


def _layer_env(layer_dir: Path, series: str) -> LayerEnv:
    include = layer_dir / "include" / f"python{series}"
    return (
        LayerEnv()
        .override("PYTHONUNBUFFERED", "1")
        .prepend_path("CPATH", str(include), scope=Scope.BUILD)
        .prepend_path("PKG_CONFIG_PATH", str(layer_dir / "lib" / "pkgconfig"), scope=Scope.BUILD)
        .default("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH, scope=Scope.BUILD)
    )


def _check_runs(
    layer_dir: Path, resolution: Resolution, env: Mapping[str, str], url: str, output: Output
) -> None:
    """Run the new interpreter once: an archive that cannot start is refused before it is
    cached, and a version other than the catalog's is pointed out."""
    python = layer_dir / "bin" / "python"
    script = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
    try:
        result = proc.run_python(python, ["-c", script], env=env, capture=True)
    except CommandFailed as error:
        raise RuntimeArchiveInvalid(
            url, resolution.version, f"bin/python does not start: {error.output.strip()[-300:]}"
        ) from None
    reported = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    if reported != resolution.version:
        output.warn(archive_version_differs(resolution.version, reported))
