"""Detect: pass for anything that looks like a Python app, as Heroku's and Scalingo's do.

Lenient on purpose: build explains what is missing or misspelled far better than a detect that
silently does not pass (detect output is only shown with `pack build --verbose`). Detect is on
every build's critical path, so it only lists the app directory: no parsing, no imports beyond
the standard library and the plan writer, and it never writes into the app directory.
"""

from __future__ import annotations

from pathlib import Path

from cnb_python.cnb.context import DetectContext
from cnb_python.cnb.plan import BuildPlan, Require

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

PLAN = BuildPlan(provides=("cpython",), requires=(Require("cpython"),))


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


def python_app_evidence(app_dir: Path) -> list[str]:
    """The names in the app root that say "this is a Python app", misspellings included."""
    try:
        names = {entry.name for entry in app_dir.iterdir()}
    except OSError:
        return []
    found = [name for name in PYTHON_APP_FILES if name in names]
    found.extend(sorted(name for name in names if is_requirements_typo(name)))
    return found


def detect(ctx: DetectContext) -> bool:
    """Write the plan and return True when the app looks like a Python app."""
    if not python_app_evidence(ctx.app_dir):
        return False
    # Provide and require cpython: a provide that nobody requires fails the group, and a later
    # buildpack (say, one for a Python tool) may require cpython too.
    PLAN.write(ctx.build_plan_path)
    return True


def not_detected_message() -> str:
    return "No Python app detected: none of " + ", ".join(PYTHON_APP_FILES) + " in the app root."
