"""CycloneDX SBOMs of the python and venv layers: content, and validity against the schema."""

from __future__ import annotations

import json
from email.parser import HeaderParser
from pathlib import Path

import pytest

from cnb_python import sbom
from tests.support.cyclonedx import schema_errors

SHA = "ab" * 32


def _dist(site: Path, name: str, version: str, *headers: str) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.4", f"Name: {name}", f"Version: {version}", *headers]
    (info / "METADATA").write_text("\n".join(lines) + "\n\nThe long description.\n")


def _venv(tmp_path: Path) -> Path:
    site = tmp_path / "layers" / "venv" / "lib" / "python3.12" / "site-packages"
    _dist(site, "Django", "5.1.4", "License-Expression: BSD-3-Clause")
    _dist(site, "zope.interface", "7.2", "License: ZPL 2.1")
    _dist(site, "typing_extensions", "4.12.2", "Classifier: License :: OSI Approved :: PSF")
    _dist(site, "nolicence", "1.0", "License: UNKNOWN")
    _dist(site, "lower", "1.0", "License-Expression: mit or apache-2.0")
    _dist(site, "notspdx", "1.0", "License-Expression: BSD")
    _dist(site, "freetext-id", "1.0", "License: MIT")
    _dist(site, "freetext-name", "1.0", "License: mit license")
    _dist(
        site, "classified", "1.0",
        "Classifier: License :: OSI Approved :: MIT License",
        "Classifier: License :: OSI Approved :: BSD License",
        "Classifier: Programming Language :: Python",
    )  # fmt: skip
    (site / "broken-0.1.dist-info").mkdir()  # no METADATA: skipped, not fatal
    return tmp_path / "layers"


def test_python_sbom_names_cpython_with_purl_cpe_url_and_hash(tmp_path: Path) -> None:
    path = sbom.write_python_sbom(
        tmp_path,
        "python",
        "3.12.8",
        url="https://user:secret@mirror.example/python-3.12.8.tar.gz?sig=1",
        sha256=SHA.upper(),
    )

    assert path == tmp_path / "python.sbom.cdx.json"
    text = path.read_text()
    assert schema_errors(text) == ""
    [component] = json.loads(text)["components"]
    assert component["name"] == "cpython"
    assert component["version"] == "3.12.8"
    assert component["purl"] == "pkg:generic/cpython@3.12.8"
    assert component["cpe"] == "cpe:2.3:a:python:python:3.12.8:*:*:*:*:*:*:*"
    assert component["hashes"] == [{"alg": "SHA-256", "content": SHA}]
    [reference] = component["externalReferences"]
    assert reference["type"] == "distribution"
    assert reference["url"] == "https://mirror.example/python-3.12.8.tar.gz"


def test_venv_sbom_lists_every_distribution_with_purl_and_licence(tmp_path: Path) -> None:
    layers = _venv(tmp_path)

    text = sbom.write_venv_sbom(layers, "venv").read_text()

    assert schema_errors(text) == ""
    components = {c["name"]: c for c in json.loads(text)["components"]}
    assert sorted(components) == [
        "classified", "django", "freetext-id", "freetext-name", "lower", "nolicence", "notspdx",
        "typing-extensions", "zope-interface",
    ]  # fmt: skip
    assert components["django"]["purl"] == "pkg:pypi/django@5.1.4"
    assert components["django"]["licenses"] == [{"expression": "BSD-3-Clause"}]
    assert components["zope-interface"]["purl"] == "pkg:pypi/zope-interface@7.2"
    assert components["zope-interface"]["licenses"] == [{"license": {"name": "ZPL 2.1"}}]
    assert components["typing-extensions"]["licenses"] == [{"license": {"name": "PSF"}}]
    assert "licenses" not in components["nolicence"]
    # SPDX where the distribution's words say exactly one thing, its own words otherwise.
    assert components["lower"]["licenses"] == [{"expression": "MIT OR Apache-2.0"}]
    assert components["notspdx"]["licenses"] == [{"license": {"name": "BSD"}}]
    assert components["freetext-id"]["licenses"] == [{"expression": "MIT"}]
    assert components["freetext-name"]["licenses"] == [{"license": {"id": "MIT"}}]
    assert components["classified"]["licenses"] == [
        {"license": {"id": "MIT"}},
        {"license": {"name": "BSD License"}},
    ]


def test_sbom_is_byte_identical_for_the_same_layer(tmp_path: Path) -> None:
    layers = _venv(tmp_path)
    first = sbom.write_venv_sbom(layers, "venv").read_bytes()
    assert sbom.write_venv_sbom(layers, "venv").read_bytes() == first


def test_empty_venv_gives_a_valid_empty_sbom(tmp_path: Path) -> None:
    (tmp_path / "venv").mkdir()
    text = sbom.write_venv_sbom(tmp_path, "venv").read_text()
    assert schema_errors(text) == ""
    assert json.loads(text)["components"] == []


def test_a_pasted_licence_text_is_not_used_as_a_name() -> None:
    metadata = {"License": "MIT License\n\n" + "Permission is hereby granted " * 20}

    class Headers(dict[str, str]):
        def get_all(self, _name: str) -> list[str]:
            return ["Classifier: ignored", "License :: OSI Approved :: MIT License"]

    assert sbom.declared_licenses(Headers(metadata)) == (sbom.License(id="MIT"),)


def test_schema_check_catches_a_broken_document() -> None:
    # The validator must be able to fail: a component without a name is invalid.
    broken = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": [{}]}
    assert schema_errors(json.dumps(broken)) != ""


@pytest.mark.parametrize(
    ("name", "normal"),
    [("Django", "django"), ("zope.interface", "zope-interface"), ("A__b-.C", "a-b-c")],
)
def test_names_are_normalised(name: str, normal: str) -> None:
    assert sbom.normalized_name(name) == normal


def test_a_long_license_expression_is_kept_whole() -> None:
    long = " OR ".join(["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC"] * 10)
    assert len(long) > 200
    declared = sbom.declared_licenses(HeaderParser().parsestr(f"License-Expression: {long}\n"))
    assert declared == (sbom.License(expression=long),)
