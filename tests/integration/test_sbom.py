"""The venv SBOM of a real build names each installed distribution's licence in SPDX terms where
its metadata is unambiguous, and as written where it is not (distributions from the index)."""

from __future__ import annotations

import json

import pytest

from tests.support.cyclonedx import schema_errors
from tests.support.devbuild import DevApps

pytestmark = pytest.mark.network

EXPECTED = {
    "packaging": [{"expression": "Apache-2.0 OR BSD-2-Clause"}],
    "six": [{"expression": "MIT"}],
    "rfc3339-validator": [{"license": {"id": "MIT"}}],
    "tomli-w": [{"license": {"id": "MIT"}}],
    "pathspec": [{"license": {"id": "MPL-2.0"}}],
    "idna": [{"license": {"name": "BSD License"}}],
    "sortedcontainers": [{"license": {"name": "Apache 2.0"}}],
    "typing-extensions": [{"license": {"name": "Python Software Foundation License"}}],
}


def test_venv_sbom_licences_of_real_distributions(dev_app: DevApps) -> None:
    app = dev_app("sbom_licences")
    app.build()

    text = (app.work / "image" / "sbom" / "venv.sbom.cdx.json").read_text()
    assert schema_errors(text) == ""
    components = {c["name"]: c for c in json.loads(text)["components"]}
    licences = {name: components[name].get("licenses") for name in EXPECTED}
    assert licences == EXPECTED
