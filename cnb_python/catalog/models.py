"""The catalog file, schema 1: which CPython builds exist, and on which stacks they are offered.

The same models read the built-in catalog and an operator's own, so an operator catalog gets
exactly the checks the built-in one gets. Checking happens in two passes: pydantic refuses
malformed fields and unknown keys, then `cross_check` refuses what only the whole file can show
(a default outside its stack's series, a series with no build on a stack that offers it,
duplicates). Both passes report every problem at once, each naming its entry and key, because
an operator fixing a catalog should not have to iterate one error at a time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import PurePosixPath
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cnb_python.errors import CatalogInvalid
from cnb_python.urls import url_problem

Status = Literal["supported", "deprecated", "end-of-life"]
ArchiveFormat = Literal["tar.gz", "tar.xz", "tar.zst"]

SERIES_RE = re.compile(r"(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})", re.ASCII)
PATCH_RE = re.compile(r"(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})", re.ASCII)
SHA256_RE = re.compile(r"[0-9a-f]{64}", re.ASCII)
ANY_STACK = "*"


def version_key(version: str) -> tuple[int, ...]:
    """Numeric sort key of a validated `X.Y` or `X.Y.Z`."""
    return tuple(int(part) for part in version.split("."))


def series_of(version: str) -> str:
    return ".".join(version.split(".")[:2])


def infer_format(url: str) -> ArchiveFormat | None:
    name = url_file_name(url)
    for suffix, fmt in ((".tar.gz", "tar.gz"), (".tgz", "tar.gz"), (".tar.xz", "tar.xz")):
        if name.endswith(suffix):
            return fmt  # type: ignore[return-value]
    if name.endswith((".tar.zst", ".tar.zstd")):
        return "tar.zst"
    return None


def url_file_name(url: str) -> str:
    """The last path segment of `url`, still percent-encoded (it is reused in mirror URLs)."""
    return PurePosixPath(urlsplit(url).path).name


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Stack(_Model):
    """A run image family: what it is called, what it runs on, and which series it offers."""

    id: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    distro: str = ""
    distro_version: str = Field(default="", alias="distro-version")
    archs: tuple[str, ...] = Field(min_length=1)
    series: tuple[str, ...] = Field(min_length=1)
    default: str
    status: Status = "supported"
    # The stack of every glibc Linux target that no other stack names (see catalog/stacks.py):
    # it has no distro of its own, and only artifacts that run anywhere ("*") serve it.
    portable: bool = False

    @field_validator("series")
    @classmethod
    def _series_form(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if not SERIES_RE.fullmatch(item):
                raise ValueError(f"{item!r} is not a series of the form X.Y (e.g. 3.12)")
        return value

    @field_validator("archs", "aliases")
    @classmethod
    def _non_empty_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not item.strip() for item in value):
            raise ValueError("entries must be non-empty names")
        return value

    def matches_id(self, stack_id: str) -> bool:
        return stack_id == self.id or stack_id in self.aliases


class Series(_Model):
    """A minor line of CPython and its support status, which decides warn or refuse."""

    version: str
    end_of_life: date | None = Field(default=None, alias="end-of-life")
    status: Status = "supported"

    @field_validator("version")
    @classmethod
    def _series_form(cls, value: str) -> str:
        if not SERIES_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not a series of the form X.Y (e.g. 3.12)")
        return value


class Artifact(_Model):
    """One downloadable build of one patch version for one architecture."""

    version: str
    arch: str = Field(min_length=1)
    url: str
    sha256: str
    format: ArchiveFormat | None = None
    strip_components: int = Field(default=1, ge=0, le=16, alias="strip-components")
    stacks: tuple[str, ...] = Field(default=(ANY_STACK,), min_length=1)

    @field_validator("version")
    @classmethod
    def _patch_form(cls, value: str) -> str:
        if not PATCH_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not a version of the form X.Y.Z (e.g. 3.12.14)")
        return value

    @field_validator("sha256")
    @classmethod
    def _sha256_form(cls, value: str) -> str:
        lowered = value.lower()
        if not SHA256_RE.fullmatch(lowered):
            raise ValueError(f"{value[:80]!r} is not a sha256 (64 hexadecimal digits)")
        return lowered

    @field_validator("url")
    @classmethod
    def _url_form(cls, value: str) -> str:
        problem = url_problem(value, file_name=True)
        if problem:
            raise ValueError(f"{value[:80]!r} {problem}")
        return value

    @property
    def series(self) -> str:
        return series_of(self.version)

    @property
    def archive_format(self) -> ArchiveFormat:
        # cross_check guarantees one of the two is known.
        return self.format or infer_format(self.url) or "tar.gz"

    def runs_on(self, stack: Stack) -> bool:
        return ANY_STACK in self.stacks or stack.id in self.stacks


class Catalog(_Model):
    """A whole catalog file, with the queries the resolver and the operator CLI need."""

    schema_version: Literal[1] = Field(alias="schema")
    stacks: tuple[Stack, ...] = Field(min_length=1)
    series: tuple[Series, ...] = Field(min_length=1)
    artifacts: tuple[Artifact, ...] = Field(min_length=1)

    def find_stack(self, stack_id: str) -> Stack | None:
        return next((stack for stack in self.stacks if stack.matches_id(stack_id)), None)

    def portable_stack(self) -> Stack | None:
        return next((stack for stack in self.stacks if stack.portable), None)

    def find_series(self, version: str) -> Series | None:
        return next((series for series in self.series if series.version == version), None)

    def available(self, stack: Stack, arch: str) -> list[Artifact]:
        """Artifacts offered on `stack` for `arch`, oldest first."""
        if arch not in stack.archs:
            return []
        found = [
            artifact
            for artifact in self.artifacts
            if artifact.arch == arch and artifact.runs_on(stack) and artifact.series in stack.series
        ]
        return sorted(found, key=lambda artifact: version_key(artifact.version))

    def newest_patches(self, stack: Stack, arch: str) -> dict[str, str]:
        """Series -> newest patch offered on `stack` for `arch`, in series order."""
        newest: dict[str, str] = {}
        for artifact in self.available(stack, arch):
            newest[artifact.series] = artifact.version
        return dict(sorted(newest.items(), key=lambda item: version_key(item[0])))

    def stacks_offering(self, series: str) -> list[str]:
        return [stack.id for stack in self.stacks if series in stack.series]

    def series_status(self, series: str) -> Status:
        found = self.find_series(series)
        return found.status if found else "supported"


# -- turning the file into a Catalog, with every problem named ------------------------------


def parse_catalog(data: Mapping[str, Any], source: str) -> Catalog:
    """Validate parsed TOML as a catalog; raise `CatalogInvalid` listing every problem."""
    try:
        catalog = Catalog.model_validate(data)
    except ValidationError as error:
        raise CatalogInvalid(source, tuple(_describe_errors(error, data))) from None
    problems = cross_check(catalog)
    if problems:
        raise CatalogInvalid(source, tuple(problems))
    return catalog


def _entry_name(data: Mapping[str, Any], table: str, index: int) -> str:
    """`artifacts[3] (3.12.14 amd64)`: position plus what identifies the entry to a human."""
    name = f"{table}[{index}]"
    entries = data.get(table)
    if not isinstance(entries, Sequence) or index >= len(entries):
        return name
    entry = entries[index]
    if not isinstance(entry, Mapping):
        return name
    labels = [
        str(entry[key]) for key in ("id", "version", "arch") if isinstance(entry.get(key), str)
    ]
    return f"{name} ({' '.join(labels)[:80]})" if labels else name


def _describe_errors(error: ValidationError, data: Mapping[str, Any]) -> list[str]:
    problems = []
    for item in error.errors():
        loc = list(item["loc"])
        where: list[str] = []
        if len(loc) >= 2 and isinstance(loc[0], str) and isinstance(loc[1], int):
            where.append(_entry_name(data, loc[0], loc[1]))
            loc = loc[2:]
        where.extend(str(part) for part in loc)
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (not part of catalog schema 1)"
        elif item["type"] == "missing":
            message = "required key is missing"
        elif item["type"] == "literal_error" and where == ["schema"]:
            message = f"unsupported schema {item.get('input')!r}; this buildpack reads schema 1"
        problems.append(f"{' '.join(where) or '(top level)'}: {message}")
    return problems


def cross_check(catalog: Catalog) -> list[str]:
    """Problems only the whole catalog shows, each naming its entry and key."""
    problems: list[str] = []
    declared = {series.version for series in catalog.series}

    problems += _duplicates(
        [(f"series[{i}] ({s.version})", s.version) for i, s in enumerate(catalog.series)],
        "version",
    )
    names = [(f"stacks[{i}] ({s.id})", s.id) for i, s in enumerate(catalog.stacks)]
    names += [
        (f"stacks[{i}] ({s.id})", alias)
        for i, s in enumerate(catalog.stacks)
        for alias in s.aliases
    ]
    problems += _duplicates(names, "id/aliases")
    portable = [f"stacks[{i}] ({s.id})" for i, s in enumerate(catalog.stacks) if s.portable]
    problems += [f"{entry} portable: duplicates {portable[0]}" for entry in portable[1:]]
    problems += _overlapping_artifacts(catalog.artifacts)
    problems += _check_stacks(catalog, declared)
    problems += _check_artifacts(catalog, declared)
    return problems


def _check_stacks(catalog: Catalog, declared: set[str]) -> list[str]:
    problems = []
    for index, stack in enumerate(catalog.stacks):
        entry = f"stacks[{index}] ({stack.id})"
        if bool(stack.distro) != bool(stack.distro_version):
            problems.append(f"{entry} distro: distro and distro-version go together")
        if stack.portable and stack.distro:
            problems.append(
                f"{entry} portable: a portable stack serves every distro no other stack names, "
                "so it has no distro of its own"
            )
        for series in stack.series:
            if series not in declared:
                problems.append(f"{entry} series: {series} has no [[series]] entry")
        if stack.default not in stack.series:
            problems.append(
                f"{entry} default: {stack.default!r} is not one of its series "
                f"({', '.join(stack.series)})"
            )
        for series in stack.series:
            for arch in stack.archs:
                if not any(
                    a.series == series and a.arch == arch and a.runs_on(stack)
                    for a in catalog.artifacts
                ):
                    problems.append(
                        f"{entry} series: {series} is offered but no artifact provides it "
                        f"for {arch}"
                    )
    return problems


def _check_artifacts(catalog: Catalog, declared: set[str]) -> list[str]:
    problems = []
    stack_names = {name for stack in catalog.stacks for name in (stack.id, *stack.aliases)}
    for index, artifact in enumerate(catalog.artifacts):
        entry = f"artifacts[{index}] ({artifact.version} {artifact.arch})"
        if artifact.series not in declared:
            problems.append(f"{entry} version: series {artifact.series} has no [[series]] entry")
        for stack_id in artifact.stacks:
            if stack_id != ANY_STACK and stack_id not in stack_names:
                problems.append(f"{entry} stacks: {stack_id!r} is not a stack of this catalog")
        if artifact.format is None and infer_format(artifact.url) is None:
            problems.append(
                f"{entry} format: missing, and the url's file name does not say "
                "(tar.gz, tar.xz or tar.zst)"
            )
    return problems


def _overlapping_artifacts(artifacts: Sequence[Artifact]) -> list[str]:
    """Two builds of one version and arch that could serve the same stack are ambiguous."""
    problems = []
    for index, artifact in enumerate(artifacts):
        for earlier_index, earlier in enumerate(artifacts[:index]):
            if (earlier.version, earlier.arch) != (artifact.version, artifact.arch):
                continue
            if (
                ANY_STACK in artifact.stacks
                or ANY_STACK in earlier.stacks
                or (set(artifact.stacks) & set(earlier.stacks))
            ):
                problems.append(
                    f"artifacts[{index}] ({artifact.version} {artifact.arch}) stacks: "
                    f"duplicates artifacts[{earlier_index}] on the same stacks"
                )
                break
    return problems


def _duplicates(keyed: Sequence[tuple[str, object]], key_name: str) -> list[str]:
    seen: dict[object, str] = {}
    problems = []
    for entry, key in keyed:
        if key in seen and seen[key] != entry:
            problems.append(f"{entry} {key_name}: duplicates {seen[key]}")
        seen.setdefault(key, entry)
    return problems
