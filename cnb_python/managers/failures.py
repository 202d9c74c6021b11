"""A failed install, named: the recognised cause (`install_failures.diagnose`) as its error.

For a package that had to be built from source, the index is asked once per Python series
(this one and the two before it, where wheels for a new Python often lag) for the newest
version with a wheel, with the build's pip and index settings (`pip install --dry-run
--only-binary=:all:`), so the message can say whether a version or a series with a wheel
exists. That costs a second or two, only on this failure path, and is bounded by a timeout.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cnb_python import install_failures, proc
from cnb_python.errors import (
    BuildDependencyMissing,
    BuildpackError,
    CommandTimedOut,
    DependencyInstallFailed,
    HashesDoNotMatch,
    LockFileOutOfDate,
    PackageMetadataBroken,
    PackageNotOnIndex,
)
from cnb_python.managers.base import InstallJob

WHEEL_QUERY_TIMEOUT = 60.0  # seconds per series; the query is one index page and no build
WHEEL_QUERY_SERIES = 3


# Every error an install that ran and failed may end in (what `named_failure` names, or the
# plain one): an in-place update catches these to rebuild the venv from scratch instead.
INSTALL_FAILED = (
    DependencyInstallFailed,
    PackageNotOnIndex,
    HashesDoNotMatch,
    PackageMetadataBroken,
    BuildDependencyMissing,
)


def named_failure(
    job: InstallJob,
    tool: str,
    returncode: int,
    output: str,
    *,
    python_version: str,
    files: Sequence[str],
    lock_file: str = "",
    lock_command: str = "",
) -> BuildpackError | None:
    """The error for a recognised cause of a failed install, or None."""
    stale = stale_lock(tool, returncode, output, lock_file=lock_file, lock_command=lock_command)
    if stale is not None:
        return stale
    cause = install_failures.diagnose(output)
    if isinstance(cause, install_failures.HashMismatch):
        return HashesDoNotMatch(tool, returncode, cause.packages, cause.missing, tuple(files))
    if isinstance(cause, install_failures.NotOnIndex):
        return PackageNotOnIndex(tool, returncode, cause.requirement, cause.versions, tuple(files))
    if isinstance(cause, install_failures.BrokenMetadata):
        return PackageMetadataBroken(tool, returncode, cause.package)
    if isinstance(cause, install_failures.BuildDependencyMissing):
        wheels = newest_wheels(job, cause.package, _series_to_try(python_version))
        return BuildDependencyMissing(
            tool,
            returncode,
            cause.package,
            cause.version,
            cause.missing,
            cause.system_package,
            python_version,
            wheels,
        )
    return None


def stale_lock(
    tool: str, returncode: int, output: str, *, lock_file: str, lock_command: str
) -> LockFileOutOfDate | None:
    """The lock file is out of date, as the tool's own output says. Said before anything about
    the index: the tool refuses a stale lock without asking the index, so on a build that
    cannot reach the index the lock is still the reason."""
    cause = install_failures.diagnose(output)
    if isinstance(cause, install_failures.StaleLock) and lock_file:
        return LockFileOutOfDate(tool, returncode, lock_file, lock_command, cause.detail)
    return None


def _series_to_try(python_version: str) -> list[str]:
    parts = python_version.split(".")
    if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()):
        return []
    major, minor = int(parts[0]), int(parts[1])
    return [f"{major}.{minor - back}" for back in range(WHEEL_QUERY_SERIES) if minor - back >= 0]


def newest_wheels(
    job: InstallJob, package: str, series: Sequence[str]
) -> tuple[tuple[str, str], ...]:
    """`(series, newest version with a wheel here, or "")` for each series; () when the
    package is unnamed, local, or the query itself fails (then the message says nothing)."""
    pip = job.tools.get("pip")
    if not package or not series or pip is None or (job.app_dir / package).exists():
        return ()
    found: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="cnb-python-wheels-") as scratch:
        for one in series:
            report = Path(scratch) / f"{one}.json"
            argv = pip.command(
                "install", "--dry-run", "--ignore-installed", "--only-binary=:all:",
                "--no-deps", "--no-input", "--quiet", "--report", report,
                "--python-version", one, package,
            )  # fmt: skip
            try:
                done = proc.run(
                    argv,
                    env=pip.run_env(job.env),
                    capture=True,
                    check=False,
                    timeout=WHEEL_QUERY_TIMEOUT,
                )
            except CommandTimedOut:
                return ()
            if done.returncode != 0:
                if "Could not find a version" not in (done.stdout or ""):
                    return ()  # the query failed, not the search: say nothing
                found.append((one, ""))
                continue
            found.append((one, _reported_version(report)))
    return tuple(found)


def _reported_version(report: Path) -> str:
    try:
        data = json.loads(report.read_text())
        return str(data["install"][0]["metadata"]["version"])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return ""
