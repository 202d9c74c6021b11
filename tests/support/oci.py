"""OCI image layouts on disk: a minimal run image writer, and a reader for what the exporter wrote.

The lifecycle's layout mode (Platform API >= 0.12, `-layout -layout-dir DIR`) reads and writes
images as OCI layouts under `DIR/<registry>/<repository>/<tag>` (imgutil `layout.ParseRefToPath`):
the ref `run` is `DIR/index.docker.io/library/run/latest`. A run image needs what imgutil and
the analyzer check (lc `platform/target_data.go`, imgutil `layout/new.go`): exactly one
manifest in `index.json`, at least one layer, `os` and `architecture` in the config, and the
blobs present. The distro labels are what the detector matches `[[targets]]` against.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
DISTRO_NAME_LABEL = "io.buildpacks.base.distro.name"
DISTRO_VERSION_LABEL = "io.buildpacks.base.distro.version"
LIFECYCLE_METADATA_LABEL = "io.buildpacks.lifecycle.metadata"
BUILD_METADATA_LABEL = "io.buildpacks.build.metadata"
# The lifecycle's normalised mtime for every exported file (lc `archive`, `layers/writer.go`).
NORMALISED_MTIME = 315532801
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"


def ref_path(layout_dir: Path, name: str, tag: str = "latest") -> Path:
    """Where the lifecycle keeps the image `name:tag` (a Docker Hub "library" name)."""
    return layout_dir / "index.docker.io" / "library" / name / tag


@dataclass(frozen=True)
class File:
    """A regular file or directory of the run image's layer."""

    path: str
    content: bytes | None = None  # None: a directory
    mode: int = 0o644
    uid: int = 0
    gid: int = 0


@dataclass(frozen=True)
class RunImage:
    """What a stack's run image declares: the platform, its user, and its distro labels
    (`distro=None` writes no labels: an unlabelled image)."""

    arch: str
    user: tuple[int, int]
    distro: tuple[str, str] | None = ("ubuntu", "24.04")
    files: tuple[File, ...] = ()
    env: Mapping[str, str] = field(default_factory=lambda: {"PATH": DEFAULT_PATH})


def _blob(root: Path, data: bytes) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest()
    path = root / "blobs" / "sha256" / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def _layer(files: tuple[File, ...]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in sorted(files, key=lambda item: item.path):
            info = tarfile.TarInfo(entry.path.strip("/"))
            info.mode, info.uid, info.gid = entry.mode, entry.uid, entry.gid
            info.mtime = NORMALISED_MTIME
            if entry.content is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(entry.content)
                tar.addfile(info, io.BytesIO(entry.content))
    return raw.getvalue()


def write_run_image(layout_dir: Path, name: str, image: RunImage) -> Path:
    """Write `image` as the layout image `name:latest`; returns its directory."""
    root = ref_path(layout_dir, name)
    root.mkdir(parents=True)
    layer = _layer(image.files)
    compressed = gzip.compress(layer, mtime=0)
    labels = {}
    if image.distro is not None:
        labels = {DISTRO_NAME_LABEL: image.distro[0], DISTRO_VERSION_LABEL: image.distro[1]}
    config = {
        "architecture": image.arch,
        "os": "linux",
        "config": {
            "User": f"{image.user[0]}:{image.user[1]}",
            "Env": [f"{key}={value}" for key, value in image.env.items()],
            "Labels": labels,
        },
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{hashlib.sha256(layer).hexdigest()}"]},
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": {"mediaType": CONFIG, **_blob(root, json.dumps(config).encode())},
        "layers": [{"mediaType": LAYER_GZIP, **_blob(root, compressed)}],
    }
    index = {
        "schemaVersion": 2,
        "mediaType": INDEX,
        "manifests": [{"mediaType": MANIFEST, **_blob(root, json.dumps(manifest).encode())}],
    }
    (root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (root / "index.json").write_text(json.dumps(index))
    return root


@dataclass(frozen=True)
class Image:
    """An image of a layout, as the exporter wrote it."""

    root: Path
    manifest: dict[str, Any]
    config: dict[str, Any]

    @classmethod
    def read(cls, root: Path) -> Image:
        index = json.loads((root / "index.json").read_text())
        (entry,) = index["manifests"]
        manifest = json.loads(cls._blob_path(root, entry["digest"]).read_text())
        config = json.loads(cls._blob_path(root, manifest["config"]["digest"]).read_text())
        return cls(root, manifest, config)

    @staticmethod
    def _blob_path(root: Path, digest: str) -> Path:
        algorithm, _, value = digest.partition(":")
        return root / "blobs" / algorithm / value

    @property
    def labels(self) -> dict[str, str]:
        labels: dict[str, str] = self.config["config"].get("Labels") or {}
        return labels

    @property
    def env(self) -> dict[str, str]:
        pairs = (item.partition("=") for item in self.config["config"].get("Env") or [])
        return {name: value for name, _, value in pairs}

    @property
    def user(self) -> tuple[int, int]:
        uid, _, gid = str(self.config["config"]["User"]).partition(":")
        return int(uid), int(gid or uid)

    @property
    def entrypoint(self) -> list[str]:
        return list(self.config["config"].get("Entrypoint") or [])

    @property
    def working_dir(self) -> str:
        return str(self.config["config"].get("WorkingDir") or "/")

    def label_json(self, name: str) -> Any:
        return json.loads(self.labels[name])

    def layer_paths(self) -> list[Path]:
        return [self._blob_path(self.root, layer["digest"]) for layer in self.manifest["layers"]]

    def members(self) -> Iterator[tarfile.TarInfo]:
        """Every member of every layer, in order."""
        for path in self.layer_paths():
            with tarfile.open(path, mode="r:*") as tar:
                yield from tar

    def extract(self, rootfs: Path) -> Path:
        """Apply the layers in order into `rootfs`, keeping owners, modes and mtimes (as root),
        as a container runtime unpacks an image. The exporter writes no whiteouts."""
        rootfs.mkdir(parents=True, exist_ok=True)
        for path in self.layer_paths():
            subprocess.run(
                ["tar", "-x", "-p", "--numeric-owner", "-f", str(path), "-C", str(rootfs)],
                check=True,
                capture_output=True,
            )
        return rootfs
