"""What the packager takes from the catalog: the bootstrap interpreter, the offline series."""

from __future__ import annotations

import pytest

from cnb_python.catalog.loader import builtin_catalog
from cnb_python.catalog.models import version_key
from cnb_python.errors.packaging import PackageRuntimeMissing
from cnb_python.package import fetch


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_bootstrap_is_the_newest_patch_of_the_series_for_the_arch(arch: str) -> None:
    catalog = builtin_catalog()
    chosen = fetch.newest_artifact(catalog, "3.13", arch, "the buildpack's own interpreter")
    patches = [a.version for a in catalog.artifacts if a.arch == arch and a.series == "3.13"]
    assert chosen.arch == arch
    assert chosen.version == max(patches, key=version_key)


def test_a_series_the_catalog_lacks_is_one_clear_error() -> None:
    with pytest.raises(PackageRuntimeMissing) as caught:
        fetch.newest_artifact(builtin_catalog(), "2.7", "amd64", "offline edition")
    message = caught.value.message()
    assert message.title == "The catalog has no Python '2.7' for amd64 (offline edition)"
    assert "3.13" in message.found[0]


def test_offline_default_is_every_stack_default() -> None:
    catalog = builtin_catalog()
    defaults = {stack.default for stack in catalog.stacks if "amd64" in stack.archs}
    assert fetch.default_series(catalog, "amd64") == sorted(defaults, key=version_key)


def test_wheels_are_asked_for_the_target_and_never_built() -> None:
    args = fetch.platform_args("arm64", "3.13")
    assert args[:2] == ["--only-binary", ":all:"]
    assert "manylinux2014_aarch64" in args
    assert args[args.index("--python-version") + 1] == "3.13"
