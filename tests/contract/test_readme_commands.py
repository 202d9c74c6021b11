"""The README's test command is the one CI runs: `.ci/run` holds it verbatim."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _readme_test_command() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("**Run the whole test suite**", 1)[1]
    match = re.search(r"```bash\n(.*?)\n```", section, re.DOTALL)
    assert match is not None, "the README's test command block is missing"
    return match[1].strip()


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    command = _readme_test_command()
    assert "\n" not in command, "the README's test command must be one line"
    lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in lines, f".ci/run must run the README's test command:\n{command}"


def test_the_test_command_upgrades_pip_before_installing_the_project() -> None:
    # A fresh venv's own pip can be too old for the offline-edition tests (pip download
    # --dry-run with --python-version); the README's command must work as written.
    command = _readme_test_command()
    assert command.index("-m pip install --upgrade pip") < command.index("install -e")
