"""Run `bin/build` directly, with the inputs the CNB lifecycle gives it and nothing more.

No `cnb-python dev` in between: the shims must find an interpreter, read the `CNB_*`
variables and tolerate the positional arguments on their own. The only help is the one a
builder image with a source checkout gives: a `python3` with our dependencies first on `PATH`.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cnb_python.cnb import tomlio

REPO = Path(__file__).resolve().parents[2]
BIN_BUILD = REPO / "bin" / "build"


@dataclass(frozen=True)
class LifecycleDirs:
    """The directories of one build: what the lifecycle creates before `bin/build`."""

    app: Path
    layers: Path
    platform: Path
    plan: Path

    @classmethod
    def create(
        cls, root: Path, platform_env: Mapping[str, str], plan_names: tuple[str, ...] = ("cpython",)
    ) -> LifecycleDirs:
        dirs = cls(root / "app", root / "layers", root / "platform", root / "plan" / "plan.toml")
        for directory in (dirs.app, dirs.layers, dirs.platform / "env", dirs.plan.parent):
            directory.mkdir(parents=True, exist_ok=True)
        for name, value in platform_env.items():
            (dirs.platform / "env" / name).write_text(value)
        tomlio.write_atomic(dirs.plan, {"entries": [{"name": name} for name in plan_names]})
        return dirs

    def argv(self) -> list[str]:
        # The lifecycle still appends the deprecated positional arguments.
        return [str(BIN_BUILD), str(self.layers), str(self.platform), str(self.plan)]

    def env(
        self,
        home: Path,
        *,
        arch: str,
        distro: tuple[str, str] = ("ubuntu", "22.04"),
        extra: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """Only what the lifecycle sets (no `CNB_STACK_ID`: Platform API >= 0.12 targets)."""
        return {
            "HOME": str(home),
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "CNB_LAYERS_DIR": str(self.layers),
            "CNB_PLATFORM_DIR": str(self.platform),
            "CNB_BP_PLAN_PATH": str(self.plan),
            "CNB_BUILDPACK_DIR": str(REPO),
            "CNB_TARGET_OS": "linux",
            "CNB_TARGET_ARCH": arch,
            "CNB_TARGET_DISTRO_NAME": distro[0],
            "CNB_TARGET_DISTRO_VERSION": distro[1],
            **(extra or {}),
        }

    def popen(self, env: Mapping[str, str]) -> subprocess.Popen[str]:
        """Start `bin/build` in its own session, so a test can kill all of it at once."""
        return subprocess.Popen(
            self.argv(),
            env=dict(env),
            cwd=self.app,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def run(self, env: Mapping[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run `bin/build` to the end; stdout and stderr together, as the lifecycle logs them."""
        return subprocess.run(
            self.argv(),
            env=dict(env),
            cwd=self.app,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
