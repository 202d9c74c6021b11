"""Target -> catalog stack: stack id and aliases first, then the distro, else a clear refusal."""

from __future__ import annotations

import pytest

from cnb_python.catalog.models import Catalog
from cnb_python.catalog.stacks import match_stack, select_stack
from cnb_python.cnb.context import Target
from cnb_python.errors import ArchNotOffered, StackEndOfLife, UnknownStack
from tests.unit.catalog import factory


def two_stacks(**second: object) -> Catalog:
    return factory.build(
        factory.catalog_data(
            stacks=[
                factory.stack("generic-22", aliases=["io.buildpacks.stacks.jammy"]),
                factory.stack("vendor-22", **second),
            ]
        )
    )


def test_the_stack_id_wins_over_the_distro() -> None:
    catalog = two_stacks()
    target = Target(
        "linux", "amd64", distro_name="ubuntu", distro_version="22.04", stack_id="vendor-22"
    )
    assert match_stack(catalog, target).id == "vendor-22"


def test_aliases_match_like_ids() -> None:
    target = Target("linux", "amd64", stack_id="io.buildpacks.stacks.jammy")
    assert match_stack(two_stacks(), target).id == "generic-22"


def test_without_a_known_id_the_first_stack_with_the_distro_wins() -> None:
    target = Target("linux", "amd64", distro_name="ubuntu", distro_version="22.04", stack_id="x")
    assert match_stack(two_stacks(), target).id == "generic-22"


@pytest.mark.parametrize(
    "target",
    [
        Target("linux", "amd64", distro_name="ubuntu", distro_version="18.04"),
        Target("linux", "amd64", stack_id="heroku-18"),
        Target("linux", "amd64"),
        Target("windows", "amd64", stack_id="vendor-22"),
    ],
)
def test_unknown_targets_list_the_known_stacks(target: Target) -> None:
    with pytest.raises(UnknownStack) as caught:
        match_stack(two_stacks(), target)
    text = caught.value.message().render()
    assert text.startswith("ERROR: This stack isn't recognised by the Python version catalog")
    assert f"This build targets {target.describe()}." in text
    assert "- generic-22 (also io.buildpacks.stacks.jammy; ubuntu 22.04; amd64, arm64)" in text
    assert "- vendor-22 (ubuntu 22.04; amd64, arm64)" in text


def test_an_end_of_life_stack_is_refused_with_the_supported_ones() -> None:
    with pytest.raises(StackEndOfLife) as caught:
        select_stack(
            two_stacks(status="end-of-life"), Target("linux", "amd64", stack_id="vendor-22")
        )
    text = caught.value.message().render()
    assert "ERROR: The vendor-22 stack is no longer supported" in text
    assert "Move the app to a supported stack: generic-22." in text


def test_a_deprecated_stack_is_selected() -> None:
    stack = select_stack(
        two_stacks(status="deprecated"), Target("linux", "amd64", stack_id="vendor-22")
    )
    assert stack.status == "deprecated"


def test_an_arch_the_stack_lacks_is_refused() -> None:
    with pytest.raises(ArchNotOffered) as caught:
        select_stack(two_stacks(archs=["amd64"]), Target("linux", "arm64", stack_id="vendor-22"))
    text = caught.value.message().render()
    assert "ERROR: The vendor-22 stack doesn't offer Python for arm64" in text
    assert "vendor-22 offers Python for amd64 only" in text
    assert "Or use a stack that offers arm64: generic-22." in text
