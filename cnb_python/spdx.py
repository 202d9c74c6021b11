"""SPDX licence identifiers for what Python distributions declare, where that is unambiguous.

A distribution says what its licence is in one of three places (core metadata): a
`License-Expression` (PEP 639, an SPDX expression), a free-text `License` field, or `License ::`
trove classifiers. An SBOM is only useful to licence scanners with SPDX identifiers, but a
wrong identifier is worse than none: it asserts terms the authors never chose. So:

- an expression (or free text that *is* one, such as `MIT` or `Apache-2.0 OR BSD-2-Clause`) is
  checked and canonicalised by `packaging.licenses` (the PyPA's SPDX list, which installers use
  for PEP 639 too);
- a classifier, or free text spelled like one (`MIT License`), becomes an identifier only when
  the classifier names exactly one SPDX licence (`CLASSIFIER_IDS`). `BSD License` (2-, 3- or
  4-clause?), `Apache Software License` (1.1 or 2.0?), `GNU General Public License v2 (GPLv2)`
  (only, or or-later?) and the like name several, and stay names.
"""

from __future__ import annotations

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

# The leaf names of the `License ::` trove classifiers that name exactly one SPDX licence.
# Versionless names of licences with several versions, and GPL-family names without "or
# later", are left out on purpose (see the module docstring). tests/unit/test_spdx.py checks
# that every id is a current SPDX id and that every name is a real classifier's.
CLASSIFIER_IDS: dict[str, str] = {
    "Aladdin Free Public License (AFPL)": "Aladdin",
    "Attribution Assurance License": "AAL",
    "Blue Oak Model License (BlueOak-1.0.0)": "BlueOak-1.0.0",
    "Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "CEA CNRS Inria Logiciel Libre License, version 2.1 (CeCILL-2.1)": "CECILL-2.1",
    "CeCILL-B Free Software License Agreement (CECILL-B)": "CECILL-B",
    "CeCILL-C Free Software License Agreement (CECILL-C)": "CECILL-C",
    "CMU License (MIT-CMU)": "MIT-CMU",
    "Common Development and Distribution License 1.0 (CDDL-1.0)": "CDDL-1.0",
    "Eclipse Public License 1.0 (EPL-1.0)": "EPL-1.0",
    "Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "Educational Community License, Version 2.0 (ECL-2.0)": "ECL-2.0",
    "European Union Public Licence 1.0 (EUPL 1.0)": "EUPL-1.0",
    "European Union Public Licence 1.1 (EUPL 1.1)": "EUPL-1.1",
    "European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "ISC License (ISCL)": "ISC",
    "MIT License": "MIT",
    "MIT No Attribution License (MIT-0)": "MIT-0",
    "Mozilla Public License 1.0 (MPL)": "MPL-1.0",
    "Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "Mulan Permissive Software License v2 (MulanPSL-2.0)": "MulanPSL-2.0",
    "NASA Open Source Agreement v1.3 (NASA-1.3)": "NASA-1.3",
    "Open Software License 3.0 (OSL-3.0)": "OSL-3.0",
    "PostgreSQL License": "PostgreSQL",
    "SIL Open Font License 1.1 (OFL-1.1)": "OFL-1.1",
    "The Unlicense (Unlicense)": "Unlicense",
    "University of Illinois/NCSA Open Source License": "NCSA",
    "Zero-Clause BSD (0BSD)": "0BSD",
}
_BY_FOLDED_NAME = {name.casefold(): spdx_id for name, spdx_id in CLASSIFIER_IDS.items()}


def expression(text: str) -> str | None:
    """`text` as a canonical SPDX expression (`mit` -> `MIT`), or None when it is not one."""
    try:
        return str(canonicalize_license_expression(text.strip()))
    except InvalidLicenseExpression:
        return None


def classifier_id(name: str) -> str | None:
    """The SPDX id a licence classifier's leaf name (or free text spelled the same, in any
    case) stands for, or None when it names no single licence."""
    return _BY_FOLDED_NAME.get(name.strip().casefold())
