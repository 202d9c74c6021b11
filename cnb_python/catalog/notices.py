"""The warnings version resolution can give, with their text.

Warnings do not stop the build, so they are values the resolver returns, not exceptions;
`decide.py` prints each with `output.warn(w)` and the operator CLI lists them.
Titles carry the facts (versions, stacks) so one line is enough to know what happened.
"""

from __future__ import annotations

from cnb_python.catalog.models import Stack
from cnb_python.cnb.context import Target
from cnb_python.errors.base import BuildWarning


class ResolutionWarning(BuildWarning):
    """A warning of version resolution."""


def _write_step(series: str) -> str:
    return f"Add a .python-version file containing {series} to choose the version yourself."


def stack_deprecated(stack: str, supported: tuple[str, ...]) -> ResolutionWarning:
    return ResolutionWarning(
        f"The {stack} stack is deprecated",
        (
            "Builds on it still work for now, but it will stop being offered.",
            f"Move the app to a supported stack: {', '.join(supported) or '(none)'}.",
        ),
    )


def series_deprecated(series: str, end_of_life: str, newest_series: str) -> ResolutionWarning:
    when = f" ({end_of_life})" if end_of_life else ""
    return ResolutionWarning(
        f"Python {series} is deprecated",
        (
            f"Python {series} is at or near its upstream end of life{when} and will be removed "
            "from the catalog.",
            f"Upgrade: write {newest_series} in .python-version.",
        ),
    )


def series_end_of_life_allowed(
    series: str, end_of_life: str, newest_series: str
) -> ResolutionWarning:
    when = f" on {end_of_life}" if end_of_life else ""
    return ResolutionWarning(
        f"Python {series} has reached end-of-life: building anyway because "
        "BP_PYTHON_ALLOW_EOL is set",
        (
            f"Python {series} reached its upstream end of life{when}. It gets no security fixes:",
            "this app runs with known, unpatched vulnerabilities.",
            f"Upgrade as soon as you can: write {newest_series} in .python-version, then unset "
            "BP_PYTHON_ALLOW_EOL.",
        ),
    )


def patch_outdated(origin: str, pinned: str, newest: str) -> ResolutionWarning:
    series = ".".join(pinned.split(".")[:2])
    return ResolutionWarning(
        f"A Python patch update is available: {pinned} -> {newest}",
        (
            f"{origin} pins Python {pinned}; {newest} is the newest {series} patch on this stack "
            "and brings security and bug fixes.",
            f"Write {series} (not a patch) in .python-version to always get the newest patch.",
        ),
    )


def runtime_txt_deprecated(value: str, spec: str, shadowed: tuple[str, ...]) -> ResolutionWarning:
    lines = [
        f"runtime.txt contains {value!r}. Replace it with a .python-version file holding the line:",
        f"    {spec}",
        f"For example: git rm runtime.txt && printf '{spec}\\n' > .python-version",
    ]
    if ".python-version" in shadowed:
        lines.append("Your .python-version is ignored while runtime.txt exists.")
    return ResolutionWarning(
        "runtime.txt is deprecated: write .python-version instead", tuple(lines)
    )


def default_used(stack: str, series: str) -> ResolutionWarning:
    return ResolutionWarning(
        f"No Python version was requested: using Python {series}, the {stack} default",
        (_write_step(series),),
    )


def previous_build_used(series: str) -> ResolutionWarning:
    return ResolutionWarning(
        f"No Python version was requested: using Python {series}, the series of the previous build",
        (
            f"Builds stay on Python {series} (its newest patch) unless the build cache is cleared "
            "or you request a different version.",
            _write_step(series),
        ),
    )


# -- how the stack was chosen (one informational line in the build log, not a warning) ------


def _distro(target: Target) -> str:
    return f"{target.distro_name} {target.distro_version}".strip()


def portable_stack_used(target: Target) -> str:
    if target.distro_name and target.distro_version:
        return f"{_distro(target)} is not a named stack: using portable CPython builds"
    if target.distro_name:
        return (
            f"The run image names its distro ({target.distro_name}) but not its version "
            "(label io.buildpacks.base.distro.version): using portable CPython builds"
        )
    return "The run image names no distro: using portable CPython builds"


def stack_id_overruled(named: Stack, target: Target, chosen: Stack) -> str:
    using = "using portable CPython builds" if chosen.portable else f"using {chosen.id}"
    return (
        f"CNB_STACK_ID {target.stack_id} is {named.distro} {named.distro_version}, but the run "
        f"image is {_distro(target)}: {using}"
    )
