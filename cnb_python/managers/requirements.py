"""Just enough of pip's requirements-file syntax to know what a build depends on.

The venv is reused only when nothing that decides its contents changed, so the key must cover
`requirements.txt` *and* every file it pulls in with `-r`/`-c` (transitively, relative to the
file that names them, as pip resolves them). The key is each file's sha256: options, comments,
markers and spacing inside a file need no understanding, because any byte change already
changes the digest. What does need understanding:

- includes (`-r`, `--requirement`, `-c`, `--constraint`, with `=` or a space, `${VAR}`
  expanded as pip does), to find the other files;
- local directories (`./pkg`, `file:`, `name @ file:...`, editable or not): their code is not
  in any requirements file, so non-editable ones are reinstalled on every build and their
  packaging files (`pyproject.toml`, `setup.py`, `setup.cfg`) join the key.

Lines are joined at a trailing backslash and comments are cut at ` #` first, like pip does.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cnb_python.errors import RequirementsIncludeMissing
from cnb_python.inputs import DEFAULT_LIMIT, read_whole

PACKAGING_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
# `-r file`, `-rfile`, `--requirement=file`, `--requirement file`; the same for -c and -e.
_INCLUDE = re.compile(
    r"^(?:--requirement|--constraint|-r|-c)(?:\s*=\s*|\s+|(?<=-r)|(?<=-c))(?P<value>\S.*)$"
)
_EDITABLE = re.compile(r"^(?:--editable|-e)(?:\s*=\s*|\s+|(?<=-e))(?P<value>\S.*)$")
_DIRECT_URL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*@\s*(\S+)")


@dataclass(frozen=True)
class LocalRequirement:
    """A requirement on a directory of the app (or anywhere on disk)."""

    text: str  # as pip should receive it, e.g. `./pkg` or `file:./pkg`
    path: Path
    editable: bool
    origin: str  # `requirements.txt:3`


@dataclass
class RequirementsTree:
    """Every file a requirements file pulls in (itself first) and its local requirements."""

    files: list[Path] = field(default_factory=list)
    local: list[LocalRequirement] = field(default_factory=list)

    def digests(self, root: Path) -> dict[str, str]:
        """`{name relative to root: sha256}` for every file, local packaging files included."""
        result: dict[str, str] = {}
        for path in self.files:
            result[_display(path, root)] = sha256_file(path)
        for requirement in self.local:
            for name in PACKAGING_FILES:
                candidate = requirement.path / name
                if candidate.is_file():
                    result[_display(candidate, root)] = sha256_file(candidate)
        return result


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _display(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def logical_lines(text: str) -> list[tuple[int, str]]:
    """`(first line number, line)` with continuations joined and comments removed."""
    lines: list[tuple[int, str]] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        if raw.endswith("\\"):
            pending += raw[:-1]
            continue
        line = _COMMENT.sub("", pending + raw).strip()
        pending = ""
        if line:
            lines.append((start, line))
    if pending.strip():
        line = _COMMENT.sub("", pending).strip()
        if line:
            lines.append((start, line))
    return lines


def _expand(value: str, env: Mapping[str, str]) -> str:
    # pip expands only `${NAME}` with upper-case names, and leaves unknown ones as they are.
    return _ENV_VAR.sub(lambda m: env.get(m.group(1), m.group(0)), value)


def _local_path(spec: str, base: Path) -> Path | None:
    """The directory a requirement points at, or None when it is not a local one."""
    target = spec.split(";", 1)[0].strip()
    direct = _DIRECT_URL.match(target)
    if direct:
        target = direct.group(2)
    if target.startswith("file:"):
        parts = urlsplit(target)
        raw = unquote(parts.path) if parts.netloc in ("", "localhost") else ""
        if not raw:
            return None
        path = Path(raw)
        return path if path.is_absolute() else base / path
    if target.startswith((".", "/")) or "/" in target.split("[", 1)[0]:
        if "://" in target:
            return None
        path = Path(target.split("[", 1)[0].split("#", 1)[0])
        return path if path.is_absolute() else base / path
    return None


def parse_tree(
    top: Path, app_dir: Path, env: Mapping[str, str], *, max_bytes: int = DEFAULT_LIMIT
) -> RequirementsTree:
    """Follow includes from `top`; raise `RequirementsIncludeMissing` for one that is absent.

    Relative local paths are resolved against the app directory, which is pip's working
    directory; includes against the including file, as pip does. Each file is read whole, up
    to `max_bytes` (`limits.MAX_APP_FILE_MIB`).
    """
    tree = RequirementsTree()
    pending = [top]
    seen: set[Path] = set()
    while pending:
        current = pending.pop(0)
        resolved = current.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        tree.files.append(current)
        raw = read_whole(current, _display(current, app_dir), max_bytes=max_bytes)
        text = raw.decode("utf-8", errors="replace")
        for number, line in logical_lines(text):
            origin = f"{_display(current, app_dir)}:{number}"
            include = _INCLUDE.match(line)
            if include:
                name = _expand(include.group("value").strip(), env)
                if "://" in name:
                    continue  # a remote file: its URL is already in this file's digest
                path = current.parent / name
                if not path.is_file():
                    raise RequirementsIncludeMissing(origin, name, _display(path, app_dir))
                pending.append(path)
                continue
            editable = _EDITABLE.match(line)
            spec = _expand(editable.group("value") if editable else line, env)
            if spec.startswith("-"):
                continue  # another option (--index-url, --hash on its own, ...)
            local = _local_path(spec.split(" --", 1)[0], app_dir)
            if local is not None:
                tree.local.append(LocalRequirement(spec, local, bool(editable), origin))
    return tree
