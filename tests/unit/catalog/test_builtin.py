"""The generated built-in catalog: what it must offer, and that it matches its generator."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cnb_python.catalog.loader import builtin_catalog
from cnb_python.catalog.models import SHA256_RE, version_key
from cnb_python.catalog.stacks import match_stack
from cnb_python.cnb import tomlio
from cnb_python.cnb.context import Target
from cnb_python.resolve import resolve_python

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared" / "data"
CATALOG_FILE = REPO / "cnb_python" / "catalog" / "catalog.toml"


def _generator() -> ModuleType:
    """The generator script, loaded from its path (scripts/ is not a package)."""
    path = REPO / "scripts" / "generate_catalog.py"
    spec = importlib.util.spec_from_file_location("generate_catalog", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STACKS = {
    "scalingo-20": ("3.8", "3.13"),
    "scalingo-22": ("3.9", "3.14"),
    "scalingo-24": ("3.10", "3.14"),
    "heroku-22": ("3.10", "3.14"),
    "heroku-24": ("3.10", "3.14"),
    "heroku-26": ("3.10", "3.14"),
    "ubuntu-20.04": ("3.10", "3.14"),
    "ubuntu-22.04": ("3.10", "3.14"),
    "ubuntu-24.04": ("3.10", "3.14"),
    "ubuntu-26.04": ("3.10", "3.14"),
    "portable": ("3.8", "3.14"),
}


def _range(low: str, high: str) -> list[str]:
    minor_low, minor_high = int(low.split(".")[1]), int(high.split(".")[1])
    return [f"3.{minor}" for minor in range(minor_low, minor_high + 1)]


def test_the_stacks_offer_the_policy_series() -> None:
    catalog = builtin_catalog()
    offered = {stack.id: list(stack.series) for stack in catalog.stacks}
    assert offered == {stack_id: _range(*bounds) for stack_id, bounds in STACKS.items()}
    defaults = {stack.id: stack.default for stack in catalog.stacks}
    assert defaults == {s: "3.13" if s == "scalingo-20" else "3.14" for s in STACKS}
    statuses = {stack.id: stack.status for stack in catalog.stacks}
    assert statuses == {s: "deprecated" if s == "scalingo-20" else "supported" for s in STACKS}


def test_series_statuses_and_end_of_life_dates() -> None:
    catalog = builtin_catalog()
    statuses = {series.version: series.status for series in catalog.series}
    assert statuses == {
        "3.8": "end-of-life",
        "3.9": "end-of-life",
        "3.10": "deprecated",
        "3.11": "supported",
        "3.12": "supported",
        "3.13": "supported",
        "3.14": "supported",
    }
    dates = {series.version: str(series.end_of_life) for series in catalog.series}
    assert dates["3.10"] == "2026-10-01"
    assert dates["3.14"] == "2030-10-01"


def test_every_stack_has_the_newest_patch_of_every_offered_series_on_each_arch() -> None:
    catalog = builtin_catalog()
    newest_anywhere: dict[str, str] = {}
    for artifact in catalog.artifacts:
        current = newest_anywhere.get(artifact.series, "0.0.0")
        newest_anywhere[artifact.series] = max(current, artifact.version, key=version_key)
    for stack in catalog.stacks:
        for arch in stack.archs:
            expected = {series: newest_anywhere[series] for series in stack.series}
            assert catalog.newest_patches(stack, arch) == expected, (stack.id, arch)
    assert newest_anywhere["3.14"] == "3.14.7"
    assert newest_anywhere["3.12"] == "3.12.14"


@pytest.mark.parametrize("stack_id", sorted(STACKS))
def test_each_default_resolves_on_every_arch(tmp_path: Path, stack_id: str) -> None:
    catalog = builtin_catalog()
    stack = catalog.find_stack(stack_id)
    assert stack is not None
    for arch in stack.archs:
        resolution = resolve_python(
            tmp_path, {}, Target("linux", arch, stack_id=stack_id), catalog, None
        )
        assert resolution.series == stack.default
        assert resolution.summary().endswith(
            f"(stack default: {stack.default}) for {stack_id} {arch}"
        )


def test_python_38_is_offered_on_scalingo_20_of_the_named_stacks_only() -> None:
    # The portable stack offers every series python-build-standalone builds (3.8 and 3.9
    # behind BP_PYTHON_ALLOW_EOL, like everywhere).
    catalog = builtin_catalog()
    assert catalog.stacks_offering("3.8") == ["scalingo-20", "portable"]
    assert catalog.stacks_offering("3.9") == ["scalingo-20", "scalingo-22", "portable"]


def test_heroku_22_is_amd64_only() -> None:
    catalog = builtin_catalog()
    stack = catalog.find_stack("heroku-22")
    assert stack is not None
    assert stack.archs == ("amd64",)
    assert catalog.available(stack, "arm64") == []


def test_every_artifact_has_a_sha256_and_serves_every_stack() -> None:
    catalog = builtin_catalog()
    assert len(catalog.artifacts) > 150
    for artifact in catalog.artifacts:
        assert SHA256_RE.fullmatch(artifact.sha256), artifact
        assert artifact.stacks == ("*",)
        assert artifact.url.startswith("https://")
        assert artifact.archive_format == "tar.gz"
        assert artifact.strip_components == 1
    assert len({a.sha256 for a in catalog.artifacts}) == len(catalog.artifacts)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (Target("linux", "amd64", stack_id="io.buildpacks.stacks.jammy"), "ubuntu-22.04"),
        (Target("linux", "amd64", stack_id="io.buildpacks.stacks.noble"), "ubuntu-24.04"),
        (Target("linux", "amd64", distro_name="ubuntu", distro_version="22.04"), "ubuntu-22.04"),
        (Target("linux", "amd64", "", "ubuntu", "20.04", "some-other-stack"), "ubuntu-20.04"),
        (Target("linux", "amd64", "", "ubuntu", "22.04", "scalingo-22"), "scalingo-22"),
        (Target("linux", "amd64", "", "ubuntu", "24.04", "heroku-24"), "heroku-24"),
        # The run image is where the app runs: a stack id of another distro is overruled.
        (Target("linux", "amd64", "", "ubuntu", "24.04", "scalingo-22"), "ubuntu-24.04"),
        (Target("linux", "amd64", "", "debian", "12", "heroku-24"), "portable"),
        (Target("linux", "amd64", "", "debian", "12"), "portable"),
        (Target("linux", "arm64", "", "debian", "11"), "portable"),
        (Target("linux", "amd64", "", "debian", "13"), "portable"),
        (Target("linux", "amd64", "", "rhel", "8"), "portable"),
        (Target("linux", "arm64", "", "rhel", "9"), "portable"),
        (Target("linux", "amd64", "", "amzn", "2023"), "portable"),
        (Target("linux", "amd64"), "portable"),
    ],
)
def test_named_stacks_first_then_the_distro_then_portable(target: Target, expected: str) -> None:
    assert match_stack(builtin_catalog(), target).stack.id == expected


def test_the_portable_stack_offers_every_series_with_the_newest_patch_by_default(
    tmp_path: Path,
) -> None:
    catalog = builtin_catalog()
    portable = catalog.portable_stack()
    assert portable is not None
    assert portable.default == max(portable.series, key=version_key)
    target = Target("linux", "amd64", distro_name="debian", distro_version="12")
    resolution = resolve_python(tmp_path, {}, target, catalog, None)
    assert resolution.stack_id == "portable"
    assert resolution.stack_note == "debian 12 is not a named stack: using portable CPython builds"
    newest = catalog.newest_patches(portable, "amd64")
    assert resolution.version == newest[portable.default]


def test_the_builtin_catalog_is_small_and_marked_generated() -> None:
    text = CATALOG_FILE.read_text("utf-8")
    assert len(text.encode()) < 300_000
    assert text.startswith("# GENERATED by scripts/generate_catalog.py")


@pytest.mark.skipif(not (SHARED / "cpython-pbs.json").exists(), reason="shared data not present")
def test_the_committed_catalog_is_what_the_generator_writes() -> None:
    generator = _generator()
    text = generator.generate(
        json.loads((SHARED / "cpython-pbs.json").read_text("utf-8")),
        json.loads((SHARED / "python-eol.json").read_text("utf-8")),
        tomlio.load(generator.DEFAULT_POLICY),
    )
    assert text == CATALOG_FILE.read_text("utf-8"), "run scripts/generate_catalog.py"


def test_the_generator_keeps_one_build_per_version_and_arch() -> None:
    entries: list[dict[str, Any]] = [
        {
            "version": "3.12.1",
            "arch": "x86_64",
            "libc": "gnu",
            "flavor": "install_only",
            "variant": None,
            "url": "https://h/full.tar.gz",
            "sha256": "a" * 64,
        },
        {
            "version": "3.12.1",
            "arch": "x86_64",
            "libc": "gnu",
            "flavor": "install_only_stripped",
            "variant": None,
            "url": "https://h/stripped.tar.gz",
            "sha256": "B" * 64,
        },
        {
            "version": "3.12.1",
            "arch": "x86_64",
            "libc": "musl",
            "flavor": "install_only",
            "variant": None,
            "url": "https://h/musl.tar.gz",
            "sha256": "c" * 64,
        },
        {
            "version": "3.12.1",
            "arch": "x86_64",
            "libc": "gnu",
            "flavor": "install_only",
            "variant": "debug",
            "url": "https://h/debug.tar.gz",
            "sha256": "d" * 64,
        },
        {
            "version": "3.15.0",
            "arch": "aarch64",
            "libc": "gnu",
            "flavor": "install_only",
            "variant": None,
            "url": "https://h/new.tar.gz",
            "sha256": "e" * 64,
        },
        {
            "version": "3.12.2rc1",
            "arch": "aarch64",
            "libc": "gnu",
            "flavor": "install_only",
            "variant": None,
            "url": "https://h/rc.tar.gz",
            "sha256": "f" * 64,
        },
    ]
    assert _generator().select_artifacts(entries, {"3.12"}) == [
        {
            "version": "3.12.1",
            "arch": "amd64",
            "url": "https://h/stripped.tar.gz",
            "sha256": "b" * 64,
            "format": "tar.gz",
            "strip-components": 1,
            "stacks": ["*"],
        }
    ]
