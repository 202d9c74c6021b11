"""Procfile sanity: the mistakes that build fine and then fail at launch, as warnings.

Two, both seen in apps moved from Heroku: no `web` process but a type that was surely meant
to be one (`Web`, `wbe`: types are case-sensitive, and only `web` is the image's default
process), and a process whose program this build did not install (`gunicorn` missing from
the dependencies), which only shows as "command not found" when the container starts.

Only the program a command starts is looked at: the first word after `VAR=value`
assignments, `exec` and `env`. Shell builtins, paths (`./bin/start`, `bin/web.sh`) and words
with expansions are left alone. The program is looked for where the launch PATH will find it:
the venv's and the python layer's `bin`, and the build image's directories; the build-only
tool layers (pip, uv, Poetry, Pipenv) are not there at launch, so they do not count. A later
buildpack may still provide it (a Node.js buildpack's `npm`), so this is a warning, never an
error.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

from cnb_python import notices
from cnb_python.notices import Notice
from cnb_python.processes import ProcfileEntry, procfile_entries, read_procfile_text

WEB = "web"
_SKIPPED_WORDS = frozenset({"exec", "env", "nohup", "time", "command"})
_SHELL_WORDS = frozenset(
    {
        ".", ":", "[", "alias", "bash", "bg", "break", "builtin", "case", "cd", "continue",
        "declare", "echo", "eval", "exit", "export", "false", "fg", "for", "if", "kill",
        "local", "printf", "pwd", "read", "return", "set", "sh", "shift", "sleep", "source",
        "test", "trap", "true", "ulimit", "umask", "unset", "until", "wait", "while", "{",
        "(", "!",
    }
)  # fmt: skip


def _distance(a: str, b: str) -> int:
    """Edit distance with adjacent transpositions (optimal string alignment): `wbe` is 1."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            best = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, rows[-2][j - 2] + 1)
            row.append(best)
        rows.append(row)
    return rows[-1][-1]


def _looks_like_web(process_type: str) -> bool:
    lowered = process_type.lower()
    return lowered == WEB or (len(lowered) >= 2 and _distance(lowered, WEB) <= 1)


def program_of(command: str) -> str | None:
    """The program `command` starts, or None when it is not a plain name to look up."""
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        return None
    for word in words:
        if word in _SKIPPED_WORDS or ("=" in word and not word.startswith("=")):
            continue
        if word.startswith("-"):
            continue  # an option of `env` or `nohup`
        if "/" in word or any(ch in word for ch in "$`*?~") or word in _SHELL_WORDS:
            return None
        return word
    return None


def launch_search_path(env: Mapping[str, str], layers_dir: Path, kept: Sequence[str]) -> list[Path]:
    """The build PATH's directories that the launch PATH will have too: everything outside
    this buildpack's layers, and the `bin` of the layers `kept` (venv, python)."""
    found: list[Path] = []
    for entry in env.get("PATH", "").split(os.pathsep):
        if not entry:
            continue
        path = Path(entry)
        if path.is_relative_to(layers_dir) and not any(
            path == layers_dir / name / "bin" for name in kept
        ):
            continue
        found.append(path)
    return found


def _installed(program: str, search_path: Sequence[Path]) -> bool:
    return any(os.access(directory / program, os.X_OK) for directory in search_path)


def check(entries: Sequence[ProcfileEntry], search_path: Sequence[Path]) -> list[Notice]:
    """The warnings for a Procfile's entries (see the module docs)."""
    found: list[Notice] = []
    if not any(entry.type == WEB for entry in entries):
        found.extend(
            notices.procfile_web_misspelled(entry.type, entry.line)
            for entry in entries
            if _looks_like_web(entry.type)
        )
    for entry in entries:
        program = program_of(entry.command)
        if program is not None and not _installed(program, search_path):
            found.append(notices.procfile_program_missing(entry.type, entry.line, program))
    return found


def for_app(
    app_dir: Path, env: Mapping[str, str], layers_dir: Path, kept: Sequence[str], max_bytes: int
) -> list[Notice]:
    """The warnings for the app's Procfile (none without one), after the install."""
    text = read_procfile_text(app_dir, max_bytes=max_bytes)
    if text is None:
        return []
    return check(procfile_entries(text), launch_search_path(env, layers_dir, kept))
