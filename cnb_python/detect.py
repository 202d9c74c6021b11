"""Detect: pass for anything that looks like a Python app, as Heroku's and Scalingo's do.

Lenient on purpose: build explains what is missing or misspelled far better than a detect that
silently does not pass (detect output is only shown with `pack build --verbose`). Detect only
lists the app directory: no parsing, and it never writes into the app directory.

Detect is on every build's critical path, and a packaged buildpack has no bytecode (its
directory is read-only, so Python cannot cache any there): every module detect imports is
compiled from source on every run, the standard library's included, and `import pathlib` alone
costs more than all of this. So this module imports `os` only, which the interpreter has
already loaded (frozen) when it starts: no pathlib, dataclasses, typing or TOML writer, and no
context object (detect needs two of the lifecycle's values, not the target or the
platform env). `tests/contract/test_detect_imports.py` keeps it that way.
"""

from __future__ import annotations

import os

# Bound to False at run time so that `typing` (which is compiled from source on each detect in
# a packaged buildpack) is never imported; type checkers treat the name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

# Files whose presence in the app root makes this a Python app, in the order we report them.
PYTHON_APP_FILES = (
    "requirements.txt",
    "Pipfile",
    "Pipfile.lock",
    "setup.py",
    "setup.cfg",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "runtime.txt",
    ".python-version",
    "manage.py",
    "app.py",
    "main.py",
)

# The variables the lifecycle sets for every detect (contract §2.3), in the order we check them.
LIFECYCLE_VARIABLES = ("CNB_PLATFORM_DIR", "CNB_BUILDPACK_DIR", "CNB_BUILD_PLAN_PATH")

# The plan is constant: provide and require cpython (a provide that nobody requires fails the
# group, and a later buildpack, say one for a Python tool, may require cpython too). It is
# `cnb.plan.BuildPlan(provides=("cpython",), requires=(Require("cpython"),))` as TOML, kept as
# text so that detect needs no TOML writer; a contract test checks that the two agree.
PLAN_TOML = """\
provides = [
    { name = "cpython" },
]
requires = [
    { name = "cpython", metadata = {} },
]
"""


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def is_requirements_typo(name: str) -> bool:
    """`requirments.txt`, `requirement.txt`, `Requirements.txt`, `requirements.txt.txt`, ...

    Close enough to `requirements.txt` to be a mistake, but not a real variant such as
    `requirements-dev.txt` (which is edit distance 4 away).
    """
    lowered = name.lower()
    if name == "requirements.txt":
        return False
    if lowered == "requirements.txt" or lowered.startswith("requirements.txt."):
        return True
    return lowered.startswith("req") and _edit_distance(lowered, "requirements.txt") <= 2


def python_app_evidence(app_dir: str | os.PathLike[str]) -> list[str]:
    """The names in the app root that say "this is a Python app", misspellings included."""
    try:
        with os.scandir(app_dir) as entries:
            names = {entry.name for entry in entries}
    except OSError:
        return []
    found = [name for name in PYTHON_APP_FILES if name in names]
    found.extend(sorted(name for name in names if is_requirements_typo(name)))
    return found


def missing_variable(env: Mapping[str, str]) -> str:
    """The first of the lifecycle's variables that is unset or empty, or "" when all are set."""
    return next((name for name in LIFECYCLE_VARIABLES if not env.get(name)), "")


def detect(app_dir: str | os.PathLike[str], plan_path: str | os.PathLike[str]) -> bool:
    """Write the plan and return True when the app looks like a Python app."""
    if not python_app_evidence(app_dir):
        return False
    # Written in place: the lifecycle creates the file and reads it only after detect exits
    # (successfully), so a rename would add nothing but a need to write its directory.
    with open(plan_path, "w", encoding="utf-8") as plan:  # noqa: PTH123 - pathlib: see above
        plan.write(PLAN_TOML)
    return True


def not_detected_message() -> str:
    return "No Python app detected: none of " + ", ".join(PYTHON_APP_FILES) + " in the app root."
