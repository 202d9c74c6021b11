"""Shared by the dependency benchmarks: `cnb-python dev build` of a bench app, timed per phase.

The runtime is an archive of the interpreter running the bench (`dev mirror`), so nothing but
the packages comes from the network. Times come from when log lines appear: "build phase" is
from `[Building]` to `[Validating]` (bin/build alone, without the local platform's restore and
export copies); "venv" from the first venv line to "Dependencies ready".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cnb_python.dev.mirror import write_mirror_catalog
from cnb_python.dev.runtime_archive import build_runtime_archive, probe
from cnb_python.dev.targets import host_target

CLI = [sys.executable, "-c", "import sys; from cnb_python.cli import main; sys.exit(main())"]
APPS = Path(__file__).parent / "apps"
TLS = ("SSL_CERT_FILE", "SSL_CERT_DIR", "PIP_CERT")
VENV_START = ("Creating virtual environment", "Using cached virtual environment")


@dataclass
class Timed:
    log: list[str] = field(default_factory=list)
    marks: dict[str, float] = field(default_factory=dict)
    stamps: list[float] = field(default_factory=list)  # when each log line appeared

    def slowest(self, count: int = 5) -> list[tuple[float, str]]:
        """The `count` longest waits before a log line, with the line before each (what ran)."""
        gaps = [
            (self.stamps[i + 1] - self.stamps[i], self.log[i].strip())
            for i in range(len(self.log) - 1)
        ]
        return sorted(gaps, reverse=True)[:count]

    def span(self, start: str, end: str) -> float:
        return self.marks[end] - self.marks[start]


@dataclass
class BenchApp:
    root: Path
    app: Path
    env: dict[str, str]

    @classmethod
    def create(cls, root: Path, fixture: str, env: Mapping[str, str] | None = None) -> BenchApp:
        archive = build_runtime_archive(
            probe(Path(sys.executable)), root / "runtime", layout="standalone", compress_level=1
        )
        catalog = write_mirror_catalog(archive, root / "catalog.toml")
        app = root / "app"
        shutil.copytree(APPS / fixture, app)
        platform = {"BP_PYTHON_CATALOG": str(catalog)}
        platform.update({k: os.environ[k] for k in TLS if os.environ.get(k)})
        platform.update(env or {})
        return cls(root, app, platform)

    @property
    def layers_dir(self) -> Path:
        return self.root / "work" / "layers" / "cnb-python_python"

    def build(self, env: Mapping[str, str] | None = None, extra: Sequence[str] = ()) -> Timed:
        argv = [
            *CLI, "dev", "build", str(self.app), "--work", str(self.root / "work"),
            "--target", f"linux/{host_target().arch}:ubuntu@24.04", *extra,
        ]  # fmt: skip
        for name, value in {**self.env, **(env or {})}.items():
            argv += ["--env", f"{name}={value}"]
        cli_env = dict(os.environ, NO_COLOR="1")
        cli_env["PATH"] = f"{Path(sys.executable).parent}:{cli_env.get('PATH', '')}"
        timed = Timed()
        with subprocess.Popen(
            argv, env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                now = time.perf_counter()
                timed.log.append(line)
                timed.stamps.append(now)
                text = line.strip()
                if text == "[Building]":
                    timed.marks["build"] = now
                elif text == "[Validating]":
                    timed.marks["validate"] = now
                elif any(marker in text for marker in VENV_START):
                    timed.marks["venv"] = now
                elif text.startswith("- Dependencies ready"):
                    timed.marks["deps"] = now
        if process.returncode != 0:
            sys.stderr.write("".join(timed.log))
            raise SystemExit(f"dev build failed with status {process.returncode}")
        return timed
