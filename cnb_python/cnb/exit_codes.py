"""The exit codes a buildpack may use, in one place.

The lifecycle reads 0 as pass/success and 100 as "detect did not pass"; anything else is an
error (spec buildpack.md "Detection" and "Build"). 100 must never mean anything else.
"""

from __future__ import annotations

SUCCESS = 0
ERROR = 1
DETECT_FAIL = 100
