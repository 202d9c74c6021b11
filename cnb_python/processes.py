"""How the app starts: the processes written to launch.toml.

A `Procfile` (`<type>: <command>` lines, as on Heroku and Scalingo) is the user's explicit
answer. Commands run through `bash -c`, because Buildpack API 0.9+ has no implicit shell and
Procfile commands rely on one for `$PORT`. `web` is the default process when present.
"""

from __future__ import annotations

import re
from pathlib import Path

from cnb_python.cnb.launch import PROCESS_TYPE, Process
from cnb_python.errors import InvalidProcfile
from cnb_python.output import Output

_LINE = re.compile(r"^(?P<type>[^:\s]+)\s*:\s*(?P<command>.+)$")


def parse_procfile(text: str) -> list[Process]:
    """Parse a Procfile. Blank lines and `#` comments are ignored; anything else must be a
    `<type>: <command>` line with a valid, unique process type."""
    processes: list[Process] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None or not PROCESS_TYPE.match(match["type"]):
            raise InvalidProcfile(number, raw, "expected `<type>: <command>`")
        process_type = match["type"]
        if process_type in seen:
            raise InvalidProcfile(number, raw, f"the process type {process_type!r} is repeated")
        seen.add(process_type)
        command = match["command"].strip()
        processes.append(Process(type=process_type, command=("bash", "-c", command), default=False))
    if any(p.type == "web" for p in processes):
        processes = [
            Process(type=p.type, command=p.command, default=p.type == "web") for p in processes
        ]
    return processes


def from_app(app_dir: Path, output: Output) -> tuple[Process, ...]:
    procfile = app_dir / "Procfile"
    if not procfile.is_file():
        output.step("No Procfile: no process is declared, so the image has no default process")
        output.detail("To declare one, add a Procfile such as: web: gunicorn app:app")
        return ()
    try:
        text = procfile.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InvalidProcfile(0, "", "the file is not UTF-8 text") from error
    processes = parse_procfile(text)
    for process in processes:
        default = " (default)" if process.default else ""
        output.step(f"Process {process.type}{default}: {process.command[-1]}")
    return tuple(processes)
