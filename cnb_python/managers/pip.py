"""pip apps: `requirements.txt`, or the project itself (`pip install .`).

pip runs from its build-only tool layer against the venv from outside
(`pip --python <venv>/bin/python`), so the venv, which is exported, never holds pip. With
`BP_PYTHON_INSTALLER=uv`, `uv pip install --python <venv>/bin/python` does the same job
faster; everything else (key, reuse, layers) is identical.

pip is not a sync tool: it never removes what a file no longer lists. That is why the venv
layer rebuilds from scratch whenever the key changes, and why the key covers every included
file. Local directories are the exception to "same key, nothing to do": their code is not in
the key, so the non-editable ones (and the project itself for `pip install .`) are reinstalled
on every build, without their dependencies, which the key does cover.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cnb_python import proc, trust
from cnb_python.errors import CommandFailed, DependencyInstallFailed
from cnb_python.inputs import DEFAULT_LIMIT
from cnb_python.managers.base import InstallJob, KeyInputs, index_settings
from cnb_python.managers.failures import named_failure
from cnb_python.managers.requirements import (
    PACKAGING_FILES,
    LocalRequirement,
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
    syncs_in_place: bool = False
    max_file_bytes: int = DEFAULT_LIMIT  # the largest requirements file read
    python_version: str = ""  # the resolved one, for messages

    def describe(self) -> str:
        source = REQUIREMENTS if self.requirements else "the project itself (pip install .)"
        via = " (installed with uv)" if self.installer == "uv" else ""
        return f"pip with {source}{via}"

    def tools(self) -> tuple[str, ...]:
        return ("pip", "uv") if self.installer == "uv" else ("pip",)

    def _local(self, env: Mapping[str, str]) -> list[LocalRequirement]:
        if self.requirements is None:
            return []
        return parse_tree(self.requirements, self.app_dir, env, max_bytes=self.max_file_bytes).local

    def key_inputs(self, env: Mapping[str, str]) -> KeyInputs:
        if self.requirements is not None:
            tree = parse_tree(self.requirements, self.app_dir, env, max_bytes=self.max_file_bytes)
            files = tree.digests(self.app_dir)
        else:
            files = {
                name: sha256_file(self.app_dir / name)
                for name in PACKAGING_FILES
                if (self.app_dir / name).is_file()
            }
        return KeyInputs(files=files, settings=index_settings(env))

    def _files(self) -> tuple[str, ...]:
        return (REQUIREMENTS,) if self.requirements else PACKAGING_FILES

    def _run(self, job: InstallJob, args: Sequence[str]) -> None:
        tool = job.tools[self.installer]
        if self.installer == "uv":
            argv = tool.command(
                "pip", "install", "--python", job.python, "--compile-bytecode", *args
            )
        else:
            argv = tool.command(
                "--python", job.python, "install", "--no-input", "--progress-bar", "off", *args
            )
        # As users type it: `pip install -r requirements.txt`, `uv pip install .`
        shown = ["uv", "pip"] if self.installer == "uv" else ["pip"]
        shown += ["install", *("-r" if arg == "--requirement" else arg for arg in args)]
        env = tool.run_env(job.env)
        try:
            # Captured as well as shown, so that a failure can be named from the output.
            proc.run(
                argv,
                env=env,
                cwd=job.app_dir,
                output=job.output,
                capture=True,
                tee=True,
                shown=shown,
            )
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
        targets = ["."] if self.requirements is None else []
        targets += [local.text for local in self._local(job.env) if not local.editable]
        if not targets:
            return False
        job.output.step("Reinstalling local packages, whose code may have changed")
        reinstall = "--reinstall" if self.installer == "uv" else "--force-reinstall"
        self._run(job, ["--no-deps", reinstall, *targets])
        return True
