"""Warnings and log notes about the app itself (its source tree, Procfile, static files),
with their text.

Warnings do not stop the build, so they are values the checks return, not exceptions; the
caller prints each with `output.warn`. Like `catalog.notices` for version
resolution, the wording lives here so it is said the same way everywhere and tests pin it.
"""

from __future__ import annotations

from collections.abc import Sequence

from cnb_python.errors.apps import KEEP_COMMITTED_ENV_SETTING
from cnb_python.errors.base import BuildWarning

COLLECTSTATIC_DISABLED_FILE = ".heroku/collectstatic_disabled"
COLLECTSTATIC_OPT_OUT = "DISABLE_COLLECTSTATIC"


class Notice(BuildWarning):
    """A warning (or, printed as steps, a log note) about the app itself."""


# -- the app source --------------------------------------------------------------------------


def committed_environment_kept(directory: str) -> Notice:
    return Notice(
        f"Keeping {directory}/ from the app source ({KEEP_COMMITTED_ENV_SETTING} is set)",
        (
            f"{directory}/ looks like a virtual environment or Python install made on another "
            "machine; the app runs with the one this build installs, and the files of "
            f"{directory}/ are shipped as they are.",
            f"Unset {KEEP_COMMITTED_ENV_SETTING} once {directory}/ is out of the app source.",
        ),
    )


# -- Django static files ---------------------------------------------------------------------


def collectstatic_disabled_file() -> Notice:
    return Notice(
        f"The {COLLECTSTATIC_DISABLED_FILE} file is deprecated",
        (
            f"collectstatic was skipped because {COLLECTSTATIC_DISABLED_FILE} exists (a "
            "Heroku classic buildpack convention).",
            f"Remove the file and set the env var {COLLECTSTATIC_OPT_OUT}=1 instead "
            f"(pack build --env {COLLECTSTATIC_OPT_OUT}=1, or project.toml).",
        ),
    )


def collectstatic_no_manage_py(subdirectory_files: Sequence[str]) -> Notice:
    """Django is installed but the app root has no manage.py: say it did not run and how to
    make it run (a note, not a warning: an API-only app needs no static files)."""
    if subdirectory_files:
        where = ", ".join(subdirectory_files)
        return Notice(
            "Skipping Django collectstatic: manage.py is not in the app root",
            (
                f"Django is installed and manage.py was found in a subdirectory ({where}), "
                "but collectstatic runs only with a manage.py in the app root.",
                f"To run it, add a symlink in the app root: `ln -s {subdirectory_files[0]} "
                "manage.py` (commit the link), or move the project to the root.",
            ),
        )
    return Notice(
        "Skipping Django collectstatic: no manage.py file found",
        (
            "Django is installed, but the app root has no manage.py, so collectstatic did not run.",
            "To run it, put manage.py (or a symlink to it) in the app root.",
        ),
    )


# -- the Procfile ----------------------------------------------------------------------------


def procfile_web_misspelled(process_type: str, line: int) -> Notice:
    return Notice(
        f"The Procfile has no web process, but {process_type!r} (Procfile:{line}) looks like one",
        (
            "Process types are case-sensitive, and only a process called web is the image's "
            "default process (the one the platform starts and sends requests to).",
            f"If {process_type!r} is meant to serve the app, rename it to web in the Procfile.",
        ),
    )


def procfile_program_missing(process_type: str, line: int, program: str) -> Notice:
    return Notice(
        f"The {process_type} process runs {program!r}, which this build did not install "
        f"(Procfile:{line})",
        (
            f"{program!r} is not in the app's virtual environment, the Python installation or "
            'the build image, so the process would fail with "command not found" at launch.',
            "If it comes from a Python package, add that package to the app's dependencies "
            f"(for {program}, usually the package of the same name).",
            "If a later buildpack provides it, this warning can be ignored.",
        ),
    )
