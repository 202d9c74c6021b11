"""Runtime archives from the CPython interpreters on this machine, built once per session.

The archive format and what is left out of it (and why that is safe) are documented in
`cnb_python.dev.runtime_archive`, which `cnb-python dev mirror` uses too: tests install exactly
what an operator's offline mirror would serve.

Interpreters: the one running the tests, plus any pyenv CPython >= 3.8 with a shared libpython
(these archives must work through `LD_LIBRARY_PATH`, like Heroku's). A static build would work
too, but would not test the library path, so it is not used.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cnb_python.dev.runtime_archive import (
    HostPython,
    Layout,
    RuntimeArchive,
    build_runtime_archive,
    probe,
)
from cnb_python.errors import BuildpackError

PYENV_VERSIONS = Path("/root/.pyenv/versions")


def host_interpreters(extra_roots: Iterable[Path] = (PYENV_VERSIONS,)) -> list[HostPython]:
    """Distinct shared-libpython CPythons on this machine, `sys.executable`'s first."""
    found: dict[Path, HostPython] = {}
    candidates = [Path(sys.executable)]
    for root in extra_roots:
        if root.is_dir():
            candidates.extend(sorted(root.glob("3.*/bin/python3")))
    for candidate in candidates:
        try:
            python = probe(candidate)
        except (BuildpackError, OSError, ValueError, KeyError):
            # A broken interpreter on the machine is simply not used.
            continue
        if python.shared and python.prefix not in found and _version_ok(python.version):
            found[python.prefix] = python
    return list(found.values())


def _version_ok(version: str) -> bool:
    major, minor = (int(part) for part in version.split(".")[:2])
    return (major, minor) >= (3, 8)


@dataclass
class RuntimeArchives:
    """Builds each (interpreter, layout) archive on first use, then hands out the same file."""

    out_dir: Path
    interpreters: list[HostPython]
    _built: dict[tuple[str, Layout, bool], RuntimeArchive] = field(default_factory=dict)

    @property
    def default(self) -> HostPython:
        return self.interpreters[0]

    def versions(self) -> list[str]:
        return [python.version for python in self.interpreters]

    def interpreter(self, version: str | None = None) -> HostPython:
        if version is None:
            return self.default
        for python in self.interpreters:
            if python.version == version or python.series == version:
                return python
        raise LookupError(f"no interpreter {version} on this machine: {self.versions()}")

    def get(
        self,
        version: str | None = None,
        layout: Layout = "standalone",
        *,
        python_command: bool = True,
    ) -> RuntimeArchive:
        python = self.interpreter(version)
        key = (python.version, layout, python_command)
        if key not in self._built:
            self._built[key] = build_runtime_archive(
                python,
                self.out_dir,
                layout=layout,
                include_python_command=python_command,
                # Fast compression: archives are rebuilt every session and served locally.
                compress_level=1,
            )
        return self._built[key]
