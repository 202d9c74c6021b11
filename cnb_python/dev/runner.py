"""`cnb-python dev build`: run bin/detect and bin/build the way the lifecycle does.

Per phase, the inputs the lifecycle gives (lc `buildpack/detect.go`, `buildpack/build.go`,
`env/build.go`; contract §2.1, §3.1):

- argv: the executable, then the deprecated positional arguments it still always passes
  (detect: platform dir, plan path; build: layers dir, platform dir, buildpack plan path);
- an environment built from nothing but the allow-list of the invoking process's variables,
  then `<platform>/env/` exported on top (override; path variables prepended with ":") unless
  the buildpack sets `clear-env`, then the `CNB_*` variables;
- the working directory: a fresh copy of the app (the app itself is never written).

Then the outputs are validated (`validate.py`), exported to the local "image" and cache
(`image.py`), and the next build starts from what the lifecycle would restore (`restore.py`).
"""

from __future__ import annotations

import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnb_python import proc
from cnb_python.cnb import exit_codes, tomlio
from cnb_python.cnb.context import Target
from cnb_python.cnb.env import apply_platform_env
from cnb_python.dev import group, image, project, restore, targets, users, validate
from cnb_python.dev.descriptor import Descriptor
from cnb_python.dev.users import Identity, Ids
from cnb_python.dev.workdir import WorkDir
from cnb_python.errors import (
    DevAppNotFound,
    DevBuildFailed,
    DevDetectError,
    DevDetectFailed,
    DevValidationFailed,
)
from cnb_python.output import Output

# lc `env/build.go`: BuildEnvIncludelist plus the POSIXBuildEnv path variables.
ALLOW_LIST = (
    "CNB_STACK_ID",
    "HOSTNAME",
    "HOME",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "PATH",
    "LD_LIBRARY_PATH",
    "LIBRARY_PATH",
    "CPATH",
    "PKG_CONFIG_PATH",
)
# 0.9 is what kpack drives; 0.12 to 0.15 what pack versions do. What differs between them here:
# target filtering (>= 0.12), launch+cache metadata from the cache (>= 0.14), user arguments
# replacing `args` (>= 0.10).
PLATFORM_APIS = ("0.9", "0.12", "0.13", "0.14", "0.15")


@dataclass(frozen=True, kw_only=True)
class BuildOptions:
    app_dir: Path
    buildpack_dir: Path
    work_dir: Path
    env: Mapping[str, str] = field(default_factory=dict)
    stack: str | None = None
    target: Target | None = None
    clear_cache: bool = False
    no_previous_image: bool = False
    platform_api: str = "0.15"
    build_user: Ids | None = None  # None: users.DEFAULT_BUILD_USER when started as root
    work_is_explicit: bool = False  # --work was given (the launch hint repeats it)


def allowed_env(parent: Mapping[str, str]) -> dict[str, str]:
    """The only variables of the invoking process a buildpack may see."""
    return {name: parent[name] for name in ALLOW_LIST if name in parent}


@dataclass(frozen=True)
class _Phase:
    """What detect and build share: the buildpack, the directories and the base env."""

    descriptor: Descriptor
    work: WorkDir
    base_env: Mapping[str, str]
    identity: Identity

    def env(self, extra: Mapping[str, str]) -> dict[str, str]:
        env = dict(self.base_env)
        if not self.descriptor.clear_env:
            apply_platform_env(env, self.work.platform)
        env["CNB_BUILDPACK_DIR"] = str(self.descriptor.root)
        env.update(extra)
        return env


def _detect(phase: _Phase, target_vars: Mapping[str, str], output: Output) -> list[dict[str, Any]]:
    bp = phase.descriptor
    output.header("Detecting")
    with tempfile.TemporaryDirectory(prefix="plan.", dir=phase.work.tmp) as plan_dir:
        plan_path = Path(plan_dir) / "plan.toml"
        plan_path.touch(mode=0o600)
        phase.identity.chown(Path(plan_dir))
        platform = str(phase.work.platform)
        env = phase.env(
            {"CNB_PLATFORM_DIR": platform, "CNB_BUILD_PLAN_PATH": str(plan_path), **target_vars}
        )
        result = proc.run(
            [bp.root / "bin" / "detect", platform, plan_path],
            env=env,
            cwd=phase.work.workspace,
            capture=True,
            check=False,
            user=phase.identity.ids,
        )
        if result.returncode == exit_codes.DETECT_FAIL:
            raise DevDetectFailed(bp.label, result.stdout or "")
        if result.returncode != 0:
            raise DevDetectError(
                bp.label, f"bin/detect exited with status {result.returncode}", result.stdout
            )
        try:
            plan = tomlio.load(plan_path)
        except (UnicodeDecodeError, tomlio.TOMLDecodeError) as error:
            raise DevDetectError(bp.label, f"the build plan is not valid TOML: {error}") from None
    # The lifecycle shows a passing detect's output only at debug level; a local tool shows it.
    for line in (result.stdout or "").splitlines():
        output.detail(line)
    violations = validate.validate_detect_plan(plan)
    if violations:
        raise DevValidationFailed(bp.label, tuple(violations))
    entries = group.resolve(bp.id, plan)
    output.step(f"{bp.label} passed")
    return entries


def _restore(options: BuildOptions, phase: _Phase, output: Output) -> image.Record | None:
    output.header("Restoring")
    return restore.prepare_rebuild(
        phase.work,
        phase.descriptor.id,
        clear_cache=options.clear_cache,
        no_previous_image=options.no_previous_image,
        platform_api=options.platform_api,
        output=output,
    )


def _build(
    phase: _Phase, entries: list[dict[str, Any]], target_vars: Mapping[str, str], output: Output
) -> None:
    bp, work = phase.descriptor, phase.work
    layers_dir = work.buildpack_layers(bp.id)
    output.header("Building")
    with tempfile.TemporaryDirectory(prefix="bp-plan.", dir=work.tmp) as plan_dir:
        plan_path = Path(plan_dir) / "plan.toml"
        group.write_buildpack_plan(plan_path, entries)
        phase.identity.chown(Path(plan_dir))
        platform = str(work.platform)
        env = phase.env(
            {
                "CNB_PLATFORM_DIR": platform,
                "CNB_BP_PLAN_PATH": str(plan_path),
                "CNB_LAYERS_DIR": str(layers_dir),
                **target_vars,
            }
        )
        result = proc.run(
            [bp.root / "bin" / "build", layers_dir, platform, plan_path],
            env=env,
            cwd=work.workspace,
            check=False,
            user=phase.identity.ids,
        )
    if result.returncode != 0:
        raise DevBuildFailed(bp.label, result.returncode)


def _target(options: BuildOptions, output: Output) -> Target:
    """What the buildpack is told it builds for. Before Platform API 0.12 the lifecycle knows
    nothing of the run image: its target is the build container's os-release and the
    lifecycle's own arch (lc `platform/target_data.go`, `EnvVarsFor`), so `--target` cannot
    apply there."""
    if restore.platform_api_at_least(options.platform_api, "0.12"):
        return options.target or targets.host_target()
    if options.target is not None:
        output.warning(
            f"--target is ignored with Platform API {options.platform_api}",
            ["Below 0.12 the lifecycle describes the build container (this machine) instead."],
        )
    return targets.host_target()


def _is_source_checkout(descriptor: Descriptor) -> bool:
    """A cnb-python buildpack without its own interpreter (a checkout, not a package)."""
    root = descriptor.root
    return (root / "bin" / "_boot.py").exists() and not (
        root / "runtime" / "bin" / "python3"
    ).exists()


def _builder_python(work: WorkDir) -> Path:
    """A build image's `python3` that can run a source checkout of the buildpack: a wrapper
    around the interpreter running `cnb-python` (which has our dependencies). A wrapper, not a
    symlink: a venv's interpreter finds its packages from the path it is started by. Packaged
    buildpacks carry `runtime/bin/python3` and get no such help, as on a real builder."""
    directory = work.root / "builder-bin"
    directory.mkdir(parents=True, exist_ok=True)
    wrapper = directory / "python3"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
    wrapper.chmod(0o755)
    return directory


def _build_identity(
    options: BuildOptions, descriptor: Descriptor, work: WorkDir, output: Output
) -> Identity:
    """The build user (see `users`), or the invoking user."""
    needed = [descriptor.root, work.root]
    if _is_source_checkout(descriptor):
        needed.append(Path(sys.executable))  # it runs on the builder's python3: this one
    ids = users.choose(
        options.build_user,
        users.DEFAULT_BUILD_USER,
        needed,
        doing="Building",
        who="build user",
        output=output,
    )
    return Identity(ids, home=None if ids is None else work.root / "home")


def _phases(
    options: BuildOptions, phase: _Phase, target_vars: Mapping[str, str], output: Output
) -> Sequence[str]:
    """Detect, restore, build, validate, export: what one build does to the work directory."""
    descriptor, work = phase.descriptor, phase.work
    # Analysis and restore happen before detect in the lifecycle too (Platform API >= 0.7),
    # but the app copy must be fresh for detect, so move the old image aside first.
    image.unmount_image(work, descriptor.id)
    descriptor_file = project.read(options.app_dir.resolve())
    work.fresh_workspace(options.app_dir.resolve(), _keep(descriptor_file, output))
    work.fresh_platform({**(descriptor_file.env if descriptor_file else {}), **options.env})
    phase.identity.chown(work.workspace)
    entries = _detect(phase, target_vars, output)
    previous = _restore(options, phase, output)
    phase.identity.chown(work.layers)
    # From here the restored layers' files are shared with the cache (restore.py): a failed
    # build must not leave in the cache what it rewrote.
    started_ns = time.time_ns()
    try:
        _build(phase, entries, target_vars, output)
        warnings = _validate_and_export(descriptor, work, entries, previous, output)
    except BaseException:
        restore.untrust_rewritten(work, descriptor.id, started_ns, output)
        raise
    output.step(f"Built {options.app_dir.resolve()}: run it with `{launch_hint(options)}`")
    return warnings


def _keep(found: project.Project | None, output: Output) -> Callable[[str], bool] | None:
    """What of the app the workspace gets, and the log lines that say why (project.toml)."""
    if found is None:
        return None
    if not found.schema_declared:
        output.warning(
            "No schema version declared in project.toml, defaulting to schema version 0.1",
            ['pack says the same; add [_] schema-version = "0.3" to use [io.buildpacks].'],
        )
    names = ", ".join(sorted(found.env)) or "none"
    output.step(f"project.toml (schema {found.schema}): build env {names}")
    if found.include or found.exclude:
        kind = "include" if found.include else "exclude"
        output.detail(
            f"Copying the app with its {kind} patterns: {', '.join(found.include or found.exclude)}"
        )
    if found.ignored:
        output.detail(f"Not used here (dev builds with --buildpack): {', '.join(found.ignored)}")
    return found.file_filter()


def _validate_and_export(
    descriptor: Descriptor,
    work: WorkDir,
    entries: list[dict[str, Any]],
    previous: image.Record | None,
    output: Output,
) -> Sequence[str]:
    output.header("Validating")
    layers_dir = work.buildpack_layers(descriptor.id)
    report, layers = validate.validate_build_outputs(
        layers_dir,
        plan_names=[entry["name"] for entry in entries],
        sbom_formats=descriptor.sbom_formats,
    )
    for warning in report.warnings:
        output.warning(warning)
    if report.violations:
        raise DevValidationFailed(descriptor.label, tuple(report.violations))
    output.step("All outputs follow the Buildpack API")

    output.header("Exporting")
    image.export(work, descriptor.id, layers, previous, output)
    for name, types in sorted(layers.items()):
        flags = [flag for flag in ("launch", "build", "cache") if getattr(types, flag)]
        output.detail(f"Layer {name}: {', '.join(flags) or 'not kept'}")
    return report.warnings


def build(options: BuildOptions, output: Output, parent_env: Mapping[str, str]) -> Sequence[str]:
    """One `dev build`; returns the warnings the validator found (violations raise)."""
    app_dir = options.app_dir.resolve()
    if not app_dir.is_dir():
        raise DevAppNotFound(options.app_dir)
    descriptor = Descriptor.read(options.buildpack_dir)
    work = WorkDir(options.work_dir.absolute())
    work.check_outside(app_dir)
    work.root.mkdir(parents=True, exist_ok=True)
    work.tmp.mkdir(exist_ok=True)

    target = _target(options, output)
    base_env = allowed_env(parent_env)
    if not (descriptor.root / "runtime" / "bin" / "python3").exists():
        base_env["PATH"] = f"{_builder_python(work)}:{base_env.get('PATH', '')}"
    if options.stack is not None:
        base_env["CNB_STACK_ID"] = options.stack
    target = targets.with_stack(target, base_env.get("CNB_STACK_ID", ""))
    target_vars = targets.target_env(target)
    if descriptor.api and restore.platform_api_at_least(descriptor.api, "0.12"):
        target_vars["CNB_EXEC_ENV"] = "production"
    output.step(f"Building {app_dir} with {descriptor.label} for {target.describe()}")
    output.detail(f"Work directory: {work.root}")

    if restore.platform_api_at_least(options.platform_api, "0.12") and not targets.satisfies(
        target, descriptor.targets
    ):
        raise DevDetectError(
            descriptor.label,
            f"unable to satisfy target os/arch constraints: {target.describe()} is not in "
            "the buildpack's [[targets]]",
        )
    identity = _build_identity(options, descriptor, work, output)
    if identity.ids is not None and identity.home is not None:
        # The builder image's HOME is the build user's own (pack: /home/cnb).
        identity.home.mkdir(exist_ok=True)
        identity.chown(identity.home)
        base_env["HOME"] = str(identity.home)
        output.detail(f"Building as user {identity.ids[0]}:{identity.ids[1]}")

    with work.locked():
        work.sweep()
        phase = _Phase(descriptor, work, base_env, identity)
        return _phases(options, phase, target_vars, output)


def launch_hint(options: BuildOptions) -> str:
    work = f" --work {shlex.quote(str(options.work_dir))}" if options.work_is_explicit else ""
    return f"cnb-python dev launch {shlex.quote(str(options.app_dir))}{work}"
