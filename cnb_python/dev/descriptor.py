"""The parts of `buildpack.toml` the lifecycle acts on when it runs a buildpack.

Read leniently, like the lifecycle (unknown keys are ignored there); only what the platform
needs is kept: the id (for the layers directory), `clear-env`, `sbom-formats` (which SBOM files
the build may write) and `[[targets]]` (checked before detect with Platform API >= 0.12).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnb_python.cnb import tomlio
from cnb_python.errors import DevBuildpackNotFound


@dataclass(frozen=True)
class Descriptor:
    root: Path
    id: str
    version: str
    api: str
    clear_env: bool
    sbom_formats: tuple[str, ...]
    targets: tuple[dict[str, Any], ...]

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"

    @classmethod
    def read(cls, root: Path) -> Descriptor:
        root = root.resolve()
        path = root / "buildpack.toml"
        try:
            data = tomlio.load(path)
        except FileNotFoundError:
            raise DevBuildpackNotFound(root, f"{path} does not exist.") from None
        except (OSError, UnicodeDecodeError, tomlio.TOMLDecodeError) as error:
            raise DevBuildpackNotFound(root, f"{path} cannot be read: {error}") from None
        info = data.get("buildpack")
        if not isinstance(info, dict) or not info.get("id") or not info.get("version"):
            raise DevBuildpackNotFound(root, f"{path} has no [buildpack] id and version.")
        for phase in ("detect", "build"):
            executable = root / "bin" / phase
            if not executable.is_file():
                raise DevBuildpackNotFound(root, f"{executable} does not exist.")
        targets = data.get("targets") or []
        return cls(
            root=root,
            id=str(info["id"]),
            version=str(info["version"]),
            api=str(data.get("api", "")),
            clear_env=info.get("clear-env") is True,
            sbom_formats=tuple(str(f) for f in info.get("sbom-formats") or ()),
            targets=tuple(t for t in targets if isinstance(t, dict)),
        )
