"""From what the app asks for to exactly one catalog artifact, or one clear refusal.

Everything is decided here, before any download: the stack, the series, the patch and the
URL. A refusal lists what *is* available on this stack and arch, which is what the user needs
to fix it. `build.py` calls `load_catalog` and `resolve_python`, logs `Resolution.summary()`
and prints each warning; `cnb-python resolve` shows the same decision to operators.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from cnb_python.catalog import notices
from cnb_python.catalog.loader import load_catalog
from cnb_python.catalog.models import Artifact, Catalog, Stack, url_file_name, version_key
from cnb_python.catalog.notices import ResolutionWarning
from cnb_python.catalog.stacks import select_stack
from cnb_python.cnb.context import Target
from cnb_python.errors import (
    InvalidMirror,
    PatchNotAvailable,
    RequiresPythonUnsatisfied,
    SeriesEndOfLife,
    SeriesNotOffered,
    UnknownSeries,
)
from cnb_python.requested import (
    DEFAULT,
    PREVIOUS,
    RUNTIME_TXT,
    RequestedPython,
    describe_origin,
    platform_flag,
    read_requested,
)
from cnb_python.urls import url_problem

__all__ = ["Resolution", "ResolvedArtifact", "load_catalog", "resolve_python"]

ALLOW_EOL = "BP_PYTHON_ALLOW_EOL"
MIRROR = "BP_PYTHON_MIRROR"


@dataclass(frozen=True)
class ResolvedArtifact:
    """Where to fetch the interpreter and how to check and unpack it.

    `url` already has `BP_PYTHON_MIRROR` applied; `catalog_url` is the catalog's own.
    """

    url: str
    sha256: str
    format: str
    strip_components: int
    catalog_url: str


@dataclass(frozen=True)
class Resolution:
    version: str
    series: str
    stack_id: str
    arch: str
    artifact: ResolvedArtifact
    requested: RequestedPython
    warnings: tuple[ResolutionWarning, ...] = ()
    stack_note: str = ""  # why this stack, when it is not simply the one the target names

    def summary(self) -> str:
        """The build's one-line decision, e.g. `Python 3.12.14 (from .python-version: 3.12) ...`."""
        return (
            f"Python {self.version} ({describe_origin(self.requested)}) "
            f"for {self.stack_id} {self.arch}"
        )


def resolve_python(
    app_dir: Path,
    platform_env: Mapping[str, str],
    target: Target,
    catalog: Catalog,
    previous_series: str | None,
) -> Resolution:
    stack_choice = select_stack(catalog, target)
    stack = stack_choice.stack
    warnings: list[ResolutionWarning] = []
    if stack.status == "deprecated":
        supported = tuple(s.id for s in catalog.stacks if s.status == "supported")
        warnings.append(notices.stack_deprecated(stack.id, supported))

    requested = read_requested(app_dir, platform_env, previous_series, stack.default)
    choice = _Choice(catalog, stack, target.arch, requested, platform_flag(platform_env, ALLOW_EOL))
    artifact = choice.range_artifact() if requested.is_range else choice.exact_artifact()
    warnings.extend(choice.warnings)
    warnings.extend(_origin_warnings(requested, stack))

    return Resolution(
        version=artifact.version,
        series=artifact.series,
        stack_id=stack.id,
        arch=target.arch,
        artifact=ResolvedArtifact(
            url=mirrored_url(artifact.url, platform_env.get(MIRROR, "")),
            sha256=artifact.sha256,
            format=artifact.archive_format,
            strip_components=artifact.strip_components,
            catalog_url=artifact.url,
        ),
        requested=requested,
        warnings=tuple(warnings),
        stack_note=stack_choice.note,
    )


def mirrored_url(url: str, mirror: str) -> str:
    """`<mirror>/<file name of url>`, or `url` itself when no mirror is set."""
    base = mirror.strip()
    if not base:
        return url
    problem = url_problem(base)
    if problem:
        raise InvalidMirror(base, f"it {problem}")
    parts = urlsplit(base)
    if parts.query or parts.fragment:
        raise InvalidMirror(base, "it must not have a query (?) or fragment (#)")
    return f"{base.rstrip('/')}/{url_file_name(url)}"


class _Choice:
    """Picks the artifact for one request, collecting warnings on the way."""

    def __init__(
        self,
        catalog: Catalog,
        stack: Stack,
        arch: str,
        requested: RequestedPython,
        allow_eol: bool,
    ) -> None:
        self.catalog = catalog
        self.stack = stack
        self.arch = arch
        self.requested = requested
        self.allow_eol = allow_eol
        self.available = catalog.available(stack, arch)
        self.newest = catalog.newest_patches(stack, arch)
        self.warnings: list[ResolutionWarning] = []
        self.origin = requested.origin.label()
        self.value = requested.origin.value

    # -- exact series or patch ----------------------------------------------------------------

    def exact_artifact(self) -> Artifact:
        series = self.requested.series
        self._check_series(series)
        candidates = [a for a in self.available if a.series == series]
        patch = self.requested.patch
        if patch is None:
            return candidates[-1]
        chosen = next((a for a in candidates if a.version == patch), None)
        if chosen is None:
            raise PatchNotAvailable(
                self.origin,
                patch,
                self.stack.id,
                self.arch,
                tuple(a.version for a in candidates),
                tuple(self.newest.values()),
            )
        if chosen is not candidates[-1]:
            self.warnings.append(notices.patch_outdated(self.origin, patch, candidates[-1].version))
        return chosen

    def _check_series(self, series: str) -> None:
        info = self.catalog.find_series(series)
        if series not in self.stack.series:
            offered = tuple(self._labelled(s) for s in self.stack.series)
            if info is not None:
                raise SeriesNotOffered(
                    self.origin,
                    self.value,
                    series,
                    self.stack.id,
                    offered,
                    self._recommended(),
                    tuple(self.catalog.stacks_offering(series)),
                    _date(info.end_of_life) if info.status == "end-of-life" else "",
                )
            oldest = min((s.version for s in self.catalog.series), key=version_key)
            if version_key(series) < version_key(oldest):
                raise SeriesEndOfLife(
                    self.origin, self.value, series, "", self._supported(), allow_possible=False
                )
            raise UnknownSeries(
                self.origin, self.value, series, self.stack.id, offered, self._recommended()
            )
        self._check_status(series)

    def _check_status(self, series: str) -> None:
        info = self.catalog.find_series(series)
        if info is None:
            return
        end_of_life = _date(info.end_of_life)
        if info.status == "end-of-life":
            if not self.allow_eol:
                raise SeriesEndOfLife(
                    self.origin,
                    self.value,
                    series,
                    end_of_life,
                    self._supported(),
                    allow_possible=True,
                )
            self.warnings.append(
                notices.series_end_of_life_allowed(series, end_of_life, self._recommended())
            )
        elif info.status == "deprecated":
            self.warnings.append(
                notices.series_deprecated(series, end_of_life, self._recommended())
            )

    # -- a range from pyproject.toml ------------------------------------------------------

    def range_artifact(self) -> Artifact:
        matching = [
            a
            for a in self.available
            if any(spec.contains(a.version, prereleases=True) for spec in self.requested.ranges)
        ]
        if not matching:
            raise RequiresPythonUnsatisfied(
                self.origin, self.value, self.stack.id, self.arch, tuple(self.newest.values())
            )
        usable = [a for a in matching if self.catalog.series_status(a.series) != "end-of-life"]
        chosen = (usable or matching)[-1]
        self._check_status(chosen.series)
        return chosen

    # -- what refusals and warnings recommend ------------------------------------------------

    def _supported(self) -> tuple[str, ...]:
        return tuple(s for s in self.stack.series if self.catalog.series_status(s) != "end-of-life")

    def _recommended(self) -> str:
        if self.stack.default in self._supported():
            return self.stack.default
        return (self._supported() or self.stack.series)[-1]

    def _labelled(self, series: str) -> str:
        status = self.catalog.series_status(series)
        return series if status == "supported" else f"{series} ({status})"


def _origin_warnings(requested: RequestedPython, stack: Stack) -> list[ResolutionWarning]:
    source = requested.origin.source
    if source == RUNTIME_TXT:
        return [
            notices.runtime_txt_deprecated(
                requested.origin.value, requested.spec, requested.shadowed
            )
        ]
    if source == DEFAULT:
        return [notices.default_used(stack.id, requested.spec)]
    if source == PREVIOUS:
        return [notices.previous_build_used(requested.spec)]
    return []


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""
