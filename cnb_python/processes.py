"""How the app starts: the processes written to launch.toml.

A `Procfile` (`<type>: <command>` lines, as on Heroku and Scalingo) is the user's explicit
answer, and when there is one nothing is inferred. Commands run through `bash -c`, because
Buildpack API 0.9+ has no implicit shell and Procfile commands rely on one for `$PORT`. `web` is
the default process when present.

Without a Procfile, a `web` process is inferred only when exactly one of these rules matches
(two matches are ambiguous, and guessing wrong is worse than asking for a Procfile):

- a Django project with gunicorn installed: `gunicorn <project>.wsgi`, where `<project>` is the
  package holding `wsgi.py` that the `DJANGO_SETTINGS_MODULE` default in `manage.py` lives in;
- gunicorn installed and a module-level `app` in `app.py` or `wsgi.py`: `gunicorn app:app` or
  `gunicorn wsgi:app` (one of the two files, not both);
- uvicorn installed and a module-level `app` in `main.py`: `uvicorn main:app`.

A module-level `app` is an assignment (`app = Flask(__name__)`), a function named `app` (a bare
WSGI/ASGI callable) or an import of one (`from project import app`).

"Installed" means in the app's venv (`cnb_python.installed`); modules are read with `ast`,
never imported, since importing user code at build time runs it. Inferred commands bind
`0.0.0.0:$PORT` (8000 when PORT is unset) and `exec` the server so it receives the container's
signals directly; gunicorn and uvicorn both take their worker count from `WEB_CONCURRENCY`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from cnb_python.cnb.launch import PROCESS_TYPE, Process
from cnb_python.errors import InputNotRegular, InputTooLarge, InvalidProcfile
from cnb_python.inputs import DEFAULT_LIMIT, read_whole
from cnb_python.installed import has_command
from cnb_python.output import Output

_LINE = re.compile(r"^(?P<type>[^:\s]+)\s*:\s*(?P<command>.+)$")
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
DEFAULT_PORT = "8000"
_BIND = f'"0.0.0.0:${{PORT:-{DEFAULT_PORT}}}"'
PROCFILE_EXAMPLE = "web: gunicorn --bind 0.0.0.0:$PORT app:app"


@dataclass(frozen=True)
class ProcfileEntry:
    """One `<type>: <command>` line of a Procfile and where it is, for messages."""

    line: int
    type: str
    command: str


def parse_procfile(text: str) -> list[Process]:
    """Parse a Procfile. Blank lines and `#` comments are ignored; anything else must be a
    `<type>: <command>` line with a valid, unique process type."""
    processes = [
        Process(type=entry.type, command=("bash", "-c", entry.command), default=False)
        for entry in procfile_entries(text)
    ]
    if any(p.type == "web" for p in processes):
        processes = [
            Process(type=p.type, command=p.command, default=p.type == "web") for p in processes
        ]
    return processes


def procfile_entries(text: str) -> list[ProcfileEntry]:
    """The Procfile's entries in file order; `InvalidProcfile` for a line that is not one."""
    entries: list[ProcfileEntry] = []
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
        control = next((ch for ch in command if _is_control(ch)), None)
        if control is not None:
            raise InvalidProcfile(
                number,
                raw,
                f"the command contains the control character U+{ord(control):04X}, which a "
                "process command cannot hold",
            )
        entries.append(ProcfileEntry(number, process_type, command))
    return entries


def _is_control(char: str) -> bool:
    """NUL and the other C0 controls (tab aside) and DEL: launch.toml would carry them to the
    launcher, which cannot pass a NUL to exec and would run what it cut off."""
    return (ord(char) < 32 and char != "\t") or ord(char) == 127


# --- reading the app's modules without importing them -------------------------------------


def _parse(path: Path) -> ast.Module | None:
    """The module's syntax tree, or None when it is missing, not a regular file, larger than
    any real module (`inputs.DEFAULT_LIMIT`), or not valid Python 3 source, nested beyond what
    the parser takes included (then no rule matches it and the log asks for a Procfile)."""
    try:
        return ast.parse(read_whole(path, path.name), filename=str(path))
    except (OSError, InputNotRegular, InputTooLarge, SyntaxError, ValueError, RecursionError):
        return None


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run on import: the module body and the blocks of its `if`/`try`/`with`
    statements, but not function or class bodies."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.If | ast.With):
            yield from _module_level(statement.body)
            if isinstance(statement, ast.If):
                yield from _module_level(statement.orelse)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                yield from _module_level(block)
            for handler in statement.handlers:
                yield from _module_level(handler.body)


def _binds_app(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == "app" for t in statement.targets)
    if isinstance(statement, ast.AnnAssign):
        target = statement.target
        return statement.value is not None and isinstance(target, ast.Name) and target.id == "app"
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
        return statement.name == "app"  # a bare WSGI or ASGI callable
    if isinstance(statement, ast.ImportFrom):
        # `from project import app`; `from flask import app` would import a module, not an app
        return statement.module != "flask" and any(
            (alias.asname or alias.name) == "app" for alias in statement.names
        )
    return False


def defines_app(path: Path) -> bool:
    """`path` binds a module-level `app`: `app = Flask(__name__)`, `app: FastAPI = ...`,
    `async def app(scope, receive, send)`, `from project import app`."""
    tree = _parse(path)
    return tree is not None and any(_binds_app(s) for s in _module_level(tree.body))


def _is_str(node: ast.expr, value: str | None = None) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and (value is None or node.value == value)
    )


def settings_module(manage_py: Path) -> str | None:
    """The `DJANGO_SETTINGS_MODULE` default `manage.py` sets, as `django-admin startproject`
    writes it: `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")` (a plain
    assignment to `os.environ[...]` counts too)."""
    tree = _parse(manage_py)
    if tree is None:
        return None
    for node in ast.walk(tree):
        value: ast.expr | None = None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
            and len(node.args) == 2
            and _is_str(node.args[0], "DJANGO_SETTINGS_MODULE")
        ):
            value = node.args[1]
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Subscript) and _is_str(t.slice, "DJANGO_SETTINGS_MODULE")
            for t in node.targets
        ):
            value = node.value
        if value is not None and isinstance(value, ast.Constant):
            text = value.value
            if isinstance(text, str) and _MODULE.match(text):
                return text
    return None


def django_project(app_dir: Path) -> str | None:
    """The package whose `wsgi` module gunicorn should load: the innermost package above the
    settings module that has a `wsgi.py` (`config.settings.prod` -> `config` when
    `config/wsgi.py` exists)."""
    module = settings_module(app_dir / "manage.py")
    if module is None:
        return None
    parts = module.split(".")
    for end in range(len(parts) - 1, 0, -1):
        package = parts[:end]
        if app_dir.joinpath(*package, "wsgi.py").is_file():
            return ".".join(package)
    return None


# --- inferring the web process ------------------------------------------------------------


@dataclass(frozen=True)
class Inference:
    """What the rules found: the matching commands (with why), and hints for near misses."""

    matches: tuple[tuple[str, str], ...]  # (why, command)
    hints: tuple[str, ...]


def infer_web(app_dir: Path, env: Mapping[str, str]) -> Inference:
    matches: list[tuple[str, str]] = []
    hints: list[str] = []
    gunicorn = has_command(env, "gunicorn")
    uvicorn = has_command(env, "uvicorn")

    if (app_dir / "manage.py").is_file():
        project = django_project(app_dir)
        if project is None:
            hints.append(
                "manage.py found, but its DJANGO_SETTINGS_MODULE default does not lead to a "
                "package with a wsgi.py"
            )
        elif gunicorn:
            matches.append(
                (f"Django project {project} with gunicorn",
                 f"exec gunicorn --bind {_BIND} {project}.wsgi")
            )  # fmt: skip
        else:
            hints.append(f"Django project {project} found, but gunicorn is not installed")

    for module in ("app", "wsgi"):
        if defines_app(app_dir / f"{module}.py"):
            if gunicorn:
                matches.append(
                    (f"`app` in {module}.py with gunicorn",
                     f"exec gunicorn --bind {_BIND} {module}:app")
                )  # fmt: skip
            else:
                hints.append(f"`app` found in {module}.py, but gunicorn is not installed")

    if defines_app(app_dir / "main.py"):
        if uvicorn:
            matches.append(
                ("`app` in main.py with uvicorn",
                 f"exec uvicorn main:app --host 0.0.0.0 --port \"${{PORT:-{DEFAULT_PORT}}}\"")
            )  # fmt: skip
        else:
            hints.append("`app` found in main.py, but uvicorn is not installed")
    return Inference(tuple(matches), tuple(hints))


def _inferred(app_dir: Path, env: Mapping[str, str], output: Output) -> tuple[Process, ...]:
    inference = infer_web(app_dir, env)
    if len(inference.matches) == 1:
        why, command = inference.matches[0]
        output.step(f"No Procfile: inferred the web process from {why}")
        output.step(f"Process web (default): {command}")
        output.detail("To start the app differently, add a Procfile (it replaces this)")
        return (Process(type="web", command=("bash", "-c", command), default=True),)
    if inference.matches:
        found = " and ".join(why for why, _ in inference.matches)
        output.step(f"No Procfile, and the web process is ambiguous: {found}")
    else:
        output.step("No Procfile: no process is declared, so the image has no default process")
    for hint in inference.hints:
        output.detail(hint)
    output.detail(f"To declare one, add a Procfile such as: {PROCFILE_EXAMPLE}")
    return ()


def read_procfile(app_dir: Path, *, max_bytes: int = DEFAULT_LIMIT) -> tuple[Process, ...] | None:
    """The Procfile's processes, or None when the app has no Procfile. `max_bytes` is the
    largest Procfile read (`limits.MAX_APP_FILE_MIB`)."""
    text = read_procfile_text(app_dir, max_bytes=max_bytes)
    return None if text is None else tuple(parse_procfile(text))


def read_procfile_text(app_dir: Path, *, max_bytes: int = DEFAULT_LIMIT) -> str | None:
    """The Procfile's text, or None when the app has no Procfile."""
    procfile = app_dir / "Procfile"
    if not procfile.is_file():
        return None
    try:
        raw = read_whole(procfile, "Procfile", max_bytes=max_bytes)
    except OSError as error:
        raise InvalidProcfile(0, "", f"it cannot be read ({error.strerror or error})") from None
    try:
        # utf-8-sig: a byte order mark, as Windows editors write one, is not part of the
        # first process type.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidProcfile(0, "", "the file is not UTF-8 text") from error


def from_app(
    app_dir: Path, env: Mapping[str, str], output: Output, *, max_bytes: int = DEFAULT_LIMIT
) -> tuple[Process, ...]:
    """The processes for launch.toml: the Procfile's, or an inferred `web`, or none."""
    return launch_processes(app_dir, env, output, read_procfile(app_dir, max_bytes=max_bytes))


def launch_processes(
    app_dir: Path, env: Mapping[str, str], output: Output, declared: tuple[Process, ...] | None
) -> tuple[Process, ...]:
    """The processes for launch.toml: `declared` (the Procfile's, read while the build
    decided), or, without a Procfile, an inferred `web` (which needs the installed venv)."""
    if declared is None:
        return _inferred(app_dir, env, output)
    for process in declared:
        default = " (default)" if process.default else ""
        output.step(f"Process {process.type}{default}: {process.command[-1]}")
    return declared
