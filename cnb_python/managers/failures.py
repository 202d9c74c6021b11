"""A failed install, named: the recognised cause (`install_failures.diagnose`) as its error.

For a package that had to be built from source, the index is asked once per Python series
(this one and the two before it, where wheels for a new Python often lag) for the newest
version with a wheel, with the build's pip and index settings (`pip install --dry-run
--only-binary=:all:`; a uv build, which has no pip, asks uv: `uv pip compile --only-binary
:all:`), so the message can say whether a version or a series with a wheel exists. That costs
a second or two, only on this failure path, and is bounded by a timeout.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

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
_PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)\s*$", re.MULTILINE)


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
    if not package or not series or (job.app_dir / package).exists():
        return ()
    query = _pip_query if "pip" in job.tools else _uv_query if "uv" in job.tools else None
    if query is None:
        return ()
    found: list[tuple[str, str]] = []
    for one in series:
        try:
            answer = query(job, package, one)
        except CommandTimedOut:
            return ()
        if answer is None:
            return ()  # the query failed, not the search: say nothing
        found.append((one, answer))
    return tuple(found)


def _pip_query(job: InstallJob, package: str, series: str) -> str | None:
    """The newest version of `package` with a wheel for `series` here, by pip; "" when there
    is none, None when the query failed."""
    pip = job.tools["pip"]
    with tempfile.TemporaryDirectory(prefix="cnb-python-wheels-") as scratch:
        report = Path(scratch) / "report.json"
        argv = pip.command(
            "install", "--dry-run", "--ignore-installed", "--only-binary=:all:",
            "--no-deps", "--no-input", "--quiet", "--report", report,
            "--python-version", series, package,
        )  # fmt: skip
        done = proc.run(
            argv, env=pip.run_env(job.env), capture=True, check=False,
            timeout=WHEEL_QUERY_TIMEOUT,
        )  # fmt: skip
        if done.returncode != 0:
            return "" if "Could not find a version" in (done.stdout or "") else None
        return _reported_version(report)


def _uv_query(job: InstallJob, package: str, series: str) -> str | None:
    """As `_pip_query`, by uv: the venv's interpreter gives the platform, `series` the
    Python, and the one requirement comes on stdin."""
    uv = job.tools["uv"]
    argv = uv.command(
        "pip", "compile", "-", "--python", job.python, "--python-version", series,
        "--only-binary", ":all:", "--no-deps", "--no-header", "--no-annotate", "--quiet",
    )  # fmt: skip
    done = proc.run(
        argv, env=uv.run_env(job.env), capture=True, check=False, stdin=f"{package}\n",
        timeout=WHEEL_QUERY_TIMEOUT,
    )  # fmt: skip
    text = done.stdout or ""
    if done.returncode != 0:
        return "" if "No solution found" in text else None
    wanted = canonicalize_name(package)
    for name, version in _PINNED.findall(text):
        if canonicalize_name(name) == wanted:
            return str(version)
    return None


def _reported_version(report: Path) -> str:
    try:
        data = json.loads(report.read_text())
        return str(data["install"][0]["metadata"]["version"])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return ""
