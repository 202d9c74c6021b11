"""CycloneDX SBOMs (`<layer>.sbom.cdx.json`) for the layers the app ships with.

Two layers carry third-party software into the launch image: `python` (CPython from an
archive) and `venv` (the app's dependencies). Each gets a CycloneDX 1.5 JSON document written
next to the layer's TOML, which the lifecycle gathers into the image's SBOM layer and restores
with the layer on the next build.

Why a small typed model and the stdlib `json` module instead of a CycloneDX library: the
documents are tiny and fixed in shape, the buildpack ships its dependencies inside its package
(every one costs size and start-up), and a test validates what we write against the official
schema. Nothing time- or host-dependent goes in (no serial number, no timestamp), so the same
layer always gets the same bytes and a rebuilt image does not differ only by its SBOM.

Both documents are rewritten whenever the layer is used, reused or not: the python SBOM from
the resolution, the venv SBOM from the `*.dist-info/METADATA` files actually installed, so
what is described is always what is there.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cnb_python import __version__, spdx
from cnb_python.cnb import tomlio
from cnb_python.cnb.launch import SBOM_MEDIA_TYPES, sbom_path
from cnb_python.installed import read_metadata

SPEC_VERSION = "1.5"
MEDIA_TYPE = SBOM_MEDIA_TYPES["cdx.json"]
# A licence "name" longer than this is a whole licence text pasted into `License:`.
_MAX_LICENSE_NAME = 200
_NAME_SEPARATORS = re.compile(r"[-_.]+")
_LICENSE_CLASSIFIER = "License :: "


@dataclass(frozen=True)
class License:
    """One of CycloneDX's three forms: an SPDX expression, an SPDX licence id, or a name.

    An expression is what a distribution declared in SPDX terms (checked and canonicalised);
    an id is what we mapped from a classifier-style name (`cnb_python.spdx`). Declared SPDX
    text stays an expression even when it is a single id: the schema checks a `license.id`
    against its own copy of the SPDX list, which can be older than the one `packaging` ships,
    and an id newer than it would make the whole document invalid.
    """

    expression: str = ""
    id: str = ""
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        if self.expression:
            return {"expression": self.expression}
        if self.id:
            return {"license": {"id": self.id}}
        return {"license": {"name": self.name}}


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    purl: str
    kind: str = "library"
    cpe: str = ""
    sha256: str = ""
    download_url: str = ""
    licenses: tuple[License, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": self.kind,
            "bom-ref": self.purl,
            "name": self.name,
            "version": self.version,
        }
        if self.licenses:
            # The schema allows one expression, or any number of named licences.
            expressions = [item for item in self.licenses if item.expression]
            chosen = expressions[:1] or list(self.licenses)
            data["licenses"] = [item.to_json() for item in chosen]
        if self.cpe:
            data["cpe"] = self.cpe
        data["purl"] = self.purl
        if self.sha256:
            data["hashes"] = [{"alg": "SHA-256", "content": self.sha256}]
        if self.download_url:
            data["externalReferences"] = [{"type": "distribution", "url": self.download_url}]
        return data


@dataclass(frozen=True)
class Bom:
    components: tuple[Component, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "bomFormat": "CycloneDX",
            "specVersion": SPEC_VERSION,
            "version": 1,
            "metadata": {
                "tools": {
                    "components": [
                        {"type": "application", "name": "cnb-python", "version": __version__}
                    ]
                }
            },
            "components": [component.to_json() for component in self.components],
        }

    def write(self, path: Path) -> Path:
        tomlio.write_text_atomic(path, json.dumps(self.to_json(), indent=2) + "\n")
        return path


# --- python layer -----------------------------------------------------------------------------


def public_url(url: str) -> str:
    """`url` without credentials, query or fragment (signed URLs carry secrets there); a
    valid IRI, unlike the log's `***@` form."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port is not None else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def cpython_component(version: str, *, url: str, sha256: str) -> Component:
    return Component(
        name="cpython",
        version=version,
        kind="application",
        purl=f"pkg:generic/cpython@{version}",
        cpe=f"cpe:2.3:a:python:python:{version}:*:*:*:*:*:*:*",
        sha256=sha256.lower(),
        # Credentials and signed query strings must not end up in an image.
        download_url=public_url(url),
        licenses=(License(expression="PSF-2.0"),),
    )


def write_python_sbom(layers_dir: Path, layer: str, version: str, *, url: str, sha256: str) -> Path:
    bom = Bom((cpython_component(version, url=url, sha256=sha256),))
    return bom.write(sbom_path(layers_dir, layer, "cdx.json"))


# --- venv layer -------------------------------------------------------------------------------


def normalized_name(name: str) -> str:
    """PEP 503 normalisation, which is also what the pypi purl type requires."""
    return _NAME_SEPARATORS.sub("-", name).lower()


def declared_licenses(metadata: Any) -> tuple[License, ...]:
    """`License-Expression` (PEP 639) first, else `License`, else the licence classifiers;
    each as SPDX where it is unambiguous (`cnb_python.spdx`), else as the name it gives."""
    for field in ("License-Expression", "License"):
        found = _from_text(metadata.get(field) or "")
        if found is not None:
            return (found,)
    names = [
        classifier.rsplit(" :: ", 1)[-1].strip()
        for classifier in metadata.get_all("Classifier") or ()
        if classifier.startswith(_LICENSE_CLASSIFIER)
    ]
    return tuple(_named(name) for name in dict.fromkeys(names) if name)


def _from_text(text: str) -> License | None:
    """A licence field's value: an SPDX expression if it is one, else a name; None when it
    says nothing (`UNKNOWN`) or is a whole licence text pasted in."""
    text = text.strip()
    if not text or text.upper() == "UNKNOWN":
        return None
    canonical = spdx.expression(text)
    if canonical:
        return License(expression=canonical)
    first = text.splitlines()[0].strip()
    if len(text) > _MAX_LICENSE_NAME:
        return None
    canonical = spdx.expression(first)
    return License(expression=canonical) if canonical else _named(first)


def _named(name: str) -> License:
    """A licence given by name: its SPDX id when the name stands for exactly one licence."""
    spdx_id = spdx.classifier_id(name)
    return License(id=spdx_id) if spdx_id else License(name=name)


def installed_components(site_packages: Path) -> list[Component]:
    """One component per `*.dist-info` with a readable METADATA, sorted by name."""
    found: dict[str, Component] = {}
    for dist_info in sorted(site_packages.glob("*.dist-info")):
        metadata = read_metadata(dist_info)
        if metadata is None:
            continue
        name, version = (
            (metadata.get("Name") or "").strip(),
            (metadata.get("Version") or "").strip(),
        )
        if not name or not version:
            continue
        normal = normalized_name(name)
        found[normal] = Component(
            name=normal,
            version=version,
            purl=f"pkg:pypi/{normal}@{version}",
            licenses=declared_licenses(metadata),
        )
    return [found[name] for name in sorted(found)]


def venv_site_packages(venv: Path) -> list[Path]:
    return sorted(venv.glob("lib/python*/site-packages"))


def write_venv_sbom(layers_dir: Path, layer: str) -> Path:
    """Describe what is installed in the venv layer now (reused or rebuilt)."""
    components = [
        component
        for site_packages in venv_site_packages(layers_dir / layer)
        for component in installed_components(site_packages)
    ]
    return Bom(tuple(components)).write(sbom_path(layers_dir, layer, "cdx.json"))
