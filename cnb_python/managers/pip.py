"""pip apps: `requirements.txt`, or the project itself (`pip install .`).

pip runs from its build-only tool layer against the venv from outside (by the venv's
interpreter, as `pip --python <venv>/bin/python` would), so the venv, which is exported, never
holds pip. With `BP_PYTHON_INSTALLER=uv`, `uv pip install --python <venv>/bin/python` does the
same job faster; everything else (key, reuse, layers) is identical.

pip is not a sync tool: it never removes what a file no longer lists. When the requirements
files name only index packages, a change of them updates the reused venv in place and then
removes and verifies (`managers.pip_sync`); otherwise (local directories, URLs, constraints,
the project itself, changed options or index settings) the venv layer rebuilds it from scratch,
and the log says why. The key covers every included file. Local directories are the exception
to "same key, nothing to do": their code is not in the key, so the non-editable ones (and the
project itself for `pip install .`) are reinstalled on every build, without their
dependencies, which the key does cover.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cnb_python import proc, trust
from cnb_python.errors import CommandFailed, DependencyInstallFailed
from cnb_python.inputs import DEFAULT_LIMIT, read_whole
from cnb_python.managers import pip_sync
from cnb_python.managers.base import (
    InstallJob,
    KeyInputs,
    index_settings,
    install_limit,
    run_install,
)
from cnb_python.managers.failures import INSTALL_FAILED, named_failure
from cnb_python.managers.requirements import (
    PACKAGING_FILES,
    LocalRequirement,
    RequirementsTree,
    parse_tree,
    sha256_file,
)

REQUIREMENTS = "requirements.txt"
INSTALLERS = ("pip", "uv")


@dataclass(frozen=True)
class PipManager:
    """`requirements` set: install from that file; None: install the project in `app_dir`."""

    app_dir: Path
    requirements: Path | None
    installer: str = "pip"
    name: str = "pip"
    # When `key_inputs` finds no blocker (`managers.pip_sync`).
    syncs_in_place: bool = True
    max_file_bytes: int = DEFAULT_LIMIT  # the largest requirements file read
    python_version: str = ""  # the resolved one, for messages

    def describe(self) -> str:
        source = REQUIREMENTS if self.requirements else "the project itself (pip install .)"
        via = " (installed with uv)" if self.installer == "uv" else ""
        return f"pip with {source}{via}"

    def tools(self) -> tuple[str, ...]:
        return (self.installer,)

    def _local(self, env: Mapping[str, str]) -> list[LocalRequirement]:
        if self.requirements is None:
            return []
        return parse_tree(self.requirements, self.app_dir, env, max_bytes=self.max_file_bytes).local

    def key_inputs(self, env: Mapping[str, str]) -> KeyInputs:
        if self.requirements is None:
            files = {
                name: sha256_file(self.app_dir / name)
                for name in PACKAGING_FILES
                if (self.app_dir / name).is_file()
            }
            blocker = "pip installs the project itself (pip install .)"
            return KeyInputs(files, index_settings(env), sync_blocker=blocker)
        tree = parse_tree(self.requirements, self.app_dir, env, max_bytes=self.max_file_bytes)
        found = self._plan(tree)
        return KeyInputs(
            files=tree.digests(self.app_dir),
            settings=index_settings(env),
            sync_options=pip_sync.sync_options(found),
            sync_blocker=found.blocker,
        )

    def _plan(self, tree: RequirementsTree) -> pip_sync.Plan:
        if tree.local:
            first = tree.local[0]
            return pip_sync.Plan(blocker=f"{first.origin} names a local directory")
        texts = {
            self._name(path): read_whole(
                path, self._name(path), max_bytes=self.max_file_bytes
            ).decode("utf-8", errors="replace")
            for path in tree.files
        }
        return pip_sync.plan(texts)

    def _name(self, path: Path) -> str:
        try:
            return path.relative_to(self.app_dir).as_posix()
        except ValueError:
            return str(path)

    def _files(self) -> tuple[str, ...]:
        return (REQUIREMENTS,) if self.requirements else PACKAGING_FILES

    def _run(self, job: InstallJob, args: Sequence[str], *, command: str = "install") -> None:
        tool = job.tools[self.installer]
        if self.installer == "uv":
            argv = tool.command("pip", command, "--python", job.python, *args)
        else:
            # Run by the venv's interpreter, as `--python` would (`Tool.command_under`).
            # --no-compile: the venv layer compiles once, in parallel (`layers.bytecode`).
            argv = tool.command_under(
                job.python, "install", "--no-input", "--progress-bar", "off", "--no-compile",
                *args,
            )  # fmt: skip
        # As users type it: `pip install -r requirements.txt`, `uv pip sync requirements.txt`
        shown = ["uv", "pip"] if self.installer == "uv" else ["pip"]
        shown += [command, *("-r" if arg == "--requirement" else arg for arg in args)]
        env = tool.run_env(job.env)
        try:
            # Captured as well as shown, so that a failure can be named from the output.
            run_install(job, argv, env, shown)
        except CommandFailed as error:
            # The index first (certificate, unreachable, credentials: `trust`): an index that
            # cannot be reached also reads as "no matching distribution". Then the common
            # causes in the installer's output; else its output, shown above, says why.
            index = trust.index_url("pip", self.app_dir, env)
            raise (
                trust.explain_failure(self.installer, index, env)
                or named_failure(
                    job,
                    self.installer,
                    error.returncode,
                    error.output,
                    python_version=self.python_version,
                    files=self._files(),
                )
                or DependencyInstallFailed(self.installer, error.returncode, self._files())
            ) from None

    def install(self, job: InstallJob) -> None:
        if self.requirements is not None:
            self._run(job, ["--requirement", str(self.requirements.relative_to(self.app_dir))])
        else:
            self._run(job, ["."])

    def refresh(self, job: InstallJob) -> bool:
        if job.changes:
            self._update(job)
            return True
        targets = ["."] if self.requirements is None else []
        targets += [local.text for local in self._local(job.env) if not local.editable]
        if not targets:
            return False
        job.output.step("Reinstalling local packages, whose code may have changed")
        reinstall = "--reinstall" if self.installer == "uv" else "--force-reinstall"
        self._run(job, ["--no-deps", reinstall, *targets])
        return True

    # --- in place (`managers.pip_sync`) -------------------------------------------------------

    def _update(self, job: InstallJob) -> None:
        """Make the reused venv match the changed requirements files, or raise RebuildNeeded."""
        assert self.requirements is not None  # a blocker otherwise
        job.output.step(f"Updating the virtual environment in place: {'; '.join(job.changes)}")
        tree = parse_tree(self.requirements, self.app_dir, job.env, max_bytes=self.max_file_bytes)
        found = self._plan(tree)
        if found.blocker:  # the venv layer checked it; the files cannot have changed since
            raise pip_sync.RebuildNeeded(found.blocker)
        site_packages = next(job.venv.glob("lib/python*/site-packages"))
        env = self._marker_env(job)
        requirement = str(self.requirements.relative_to(self.app_dir))
        before = pip_sync.read_installed(site_packages)
        try:
            if self.installer == "uv" and pip_sync.lists_everything(
                found.requirements, before, env
            ):
                self._run(job, [requirement], command="sync")
            elif found.hashes:
                self._run(job, ["--requirement", requirement])
            else:
                self._install_unsatisfied(job, found, before, env)
        except INSTALL_FAILED as failed:
            # Perhaps the reused venv's fault: a fresh one says whether the files are.
            raise pip_sync.RebuildNeeded(
                f"{self.installer} could not update it in place (exit status {failed.returncode})"
            ) from None
        installed = pip_sync.read_installed(site_packages)
        keep, problems = pip_sync.needed(found.requirements, installed, env)
        if problems:
            raise pip_sync.RebuildNeeded("after the update, " + "; ".join(problems[:5]))
        extra = sorted(set(installed) - keep)
        if extra:
            job.output.detail(f"Removing what the requirements no longer need: {', '.join(extra)}")
            self._uninstall(job, extra)
        self._verify(job, found, site_packages, env)

    def _install_unsatisfied(
        self,
        job: InstallJob,
        found: pip_sync.Plan,
        installed: Mapping[str, pip_sync.Installed],
        env: Mapping[str, str],
    ) -> None:
        """Install only what the venv does not satisfy, with the files' options (index URLs
        and the like), from a file of those lines outside the app."""
        todo = pip_sync.unsatisfied(found.requirements, installed, env)
        if not todo:
            return
        lines = [*found.options, *(str(r) for r in todo)]
        job.output.detail(f"Installing what the venv lacks: {', '.join(map(str, todo))}")
        with tempfile.NamedTemporaryFile(
            "w", prefix="cnb-python-update-", suffix=".txt", encoding="utf-8"
        ) as listed:
            listed.write("".join(f"{line}\n" for line in lines))
            listed.flush()
            self._run(job, ["--requirement", listed.name])

    def _marker_env(self, job: InstallJob) -> dict[str, str]:
        done = proc.run_python(job.python, ["-c", pip_sync.MARKER_ENV_SCRIPT], env=job.env,
                               capture=True)  # fmt: skip
        value = json.loads(done.stdout)
        return {str(k): str(v) for k, v in value.items()}

    def _uninstall(self, job: InstallJob, names: Sequence[str]) -> None:
        tool = job.tools[self.installer]
        if self.installer == "uv":
            argv = tool.command("pip", "uninstall", "--python", job.python, *names)
            shown = ["uv", "pip", "uninstall", *names]
        else:
            argv = tool.command_under(job.python, "uninstall", "--yes", *names)
            shown = ["pip", "uninstall", "--yes", *names]
        env = tool.run_env(job.env)
        try:
            with install_limit(shown):
                proc.run(
                    argv, env=env, cwd=job.app_dir, output=job.output, shown=shown,
                    timeout=job.timeout,
                )  # fmt: skip
        except CommandFailed as error:
            raise pip_sync.RebuildNeeded(
                f"{self.installer} could not uninstall {', '.join(names)} "
                f"(exit status {error.returncode})"
            ) from None

    def _verify(
        self, job: InstallJob, found: pip_sync.Plan, site_packages: Path, env: Mapping[str, str]
    ) -> None:
        tool = job.tools[self.installer]
        if self.installer == "uv":
            argv = tool.command("pip", "check", "--python", job.python)
        else:
            argv = tool.command_under(job.python, "check")
        label = "uv pip check" if self.installer == "uv" else "pip check"
        with install_limit(label.split()):
            checked = proc.run(
                argv, env=tool.run_env(job.env), cwd=job.app_dir, capture=True, check=False,
                timeout=job.timeout,
            )  # fmt: skip
        if checked.returncode != 0:
            said = " ".join((checked.stdout + checked.stderr).split())[:300]
            raise pip_sync.RebuildNeeded(f"`{label}` failed after the update: {said}")
        installed = pip_sync.read_installed(site_packages)
        keep, problems = pip_sync.needed(found.requirements, installed, env)
        extra = sorted(set(installed) - keep)
        if problems or extra:
            unrequested = [f"{', '.join(extra)} installed but not required"] if extra else []
            raise pip_sync.RebuildNeeded(
                "after the update, " + "; ".join([*problems, *unrequested][:5])
            )
        job.output.detail(
            f"Checked: `{label}` passes, {len(keep)} packages, each one the requirements need"
        )
