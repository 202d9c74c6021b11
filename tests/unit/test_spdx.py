"""The SPDX mapping behind the SBOMs' licences: expressions canonicalised by packaging, and
classifier names mapped only where they name one licence."""

from __future__ import annotations

import json

import pytest
from trove_classifiers import classifiers

from cnb_python import sbom, spdx
from tests.support.cyclonedx import schema_errors

LICENSE_LEAVES = {c.rsplit(" :: ", 1)[-1] for c in classifiers if c.startswith("License :: ")}


def test_every_mapped_name_is_a_licence_classifier() -> None:
    assert set(spdx.CLASSIFIER_IDS) - LICENSE_LEAVES == set()


def test_every_mapped_id_is_a_canonical_spdx_id_the_cyclonedx_schema_accepts() -> None:
    for spdx_id in spdx.CLASSIFIER_IDS.values():
        assert spdx.expression(spdx_id) == spdx_id
    components = [
        sbom.Component(name=f"p{i}", version="1", purl=f"pkg:pypi/p{i}@1",
                       licenses=(sbom.License(id=spdx_id),))
        for i, spdx_id in enumerate(spdx.CLASSIFIER_IDS.values())
    ]  # fmt: skip
    text = json.dumps(sbom.Bom(tuple(components)).to_json())
    assert schema_errors(text) == ""


@pytest.mark.parametrize(
    "ambiguous",
    [
        "BSD License",  # 2-, 3- or 4-clause
        "Apache Software License",  # 1.0, 1.1 or 2.0
        "GNU General Public License v2 (GPLv2)",  # only, or or-later
        "GNU Lesser General Public License v2 or later (LGPLv2+)",  # LGPL 2.0 or 2.1
        "Python Software Foundation License",  # PSF-2.0 or Python-2.0
        "Zope Public License",
        "Artistic License",
    ],
)
def test_classifiers_that_name_several_licences_are_not_mapped(ambiguous: str) -> None:
    assert ambiguous in LICENSE_LEAVES
    assert spdx.classifier_id(ambiguous) is None


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("MIT", "MIT"),
        ("mit", "MIT"),
        ("apache-2.0 or bsd-2-clause", "Apache-2.0 OR BSD-2-Clause"),
        (
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
        ),
        ("LicenseRef-Proprietary", "LicenseRef-Proprietary"),
        ("BSD", None),
        ("Apache 2.0", None),
        ("MIT License", None),
        ("MIT OR", None),
    ],
)
def test_expressions_are_canonicalised_or_refused(text: str, canonical: str | None) -> None:
    assert spdx.expression(text) == canonical


def test_classifier_style_free_text_maps_in_any_case() -> None:
    assert spdx.classifier_id("MIT License") == "MIT"
    assert spdx.classifier_id(" mit license ") == "MIT"
    assert spdx.classifier_id("MIT") is None  # an id is an expression, not a name
