"""Validate SBOMs against the official CycloneDX JSON schema (bundled by cyclonedx-python-lib,
checked with jsonschema in strict mode: unknown properties are errors too)."""

from __future__ import annotations

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from cnb_python.sbom import SPEC_VERSION

VERSIONS = {"1.5": SchemaVersion.V1_5, "1.6": SchemaVersion.V1_6}


def schema_errors(text: str) -> str:
    """'' when `text` is a valid CycloneDX document of our spec version, else the error."""
    error = JsonStrictValidator(VERSIONS[SPEC_VERSION]).validate_str(text)
    return "" if error is None else str(error)
