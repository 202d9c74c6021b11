"""Target -> catalog stack: the stack id when the run image agrees, then the distro, then the
portable stack; musl distros and unknown targets get a clear refusal."""

from __future__ import annotations

import pytest

from cnb_python.catalog.models import Catalog
from cnb_python.catalog.stacks import match_stack, select_stack
from cnb_python.cnb.context import Target
from cnb_python.errors import (
    ArchNotOffered,
    CatalogInvalid,
    MuslTarget,
    StackEndOfLife,
    UnknownStack,
)
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
    choice = match_stack(catalog, target)
    assert (choice.stack.id, choice.note) == ("vendor-22", "")


def test_aliases_match_like_ids() -> None:
    target = Target("linux", "amd64", stack_id="io.buildpacks.stacks.jammy")
    assert match_stack(two_stacks(), target).stack.id == "generic-22"


def test_without_a_known_id_the_first_stack_with_the_distro_wins() -> None:
    target = Target("linux", "amd64", distro_name="ubuntu", distro_version="22.04", stack_id="x")
    choice = match_stack(two_stacks(), target)
    assert (choice.stack.id, choice.note) == ("generic-22", "")


def test_the_run_image_overrules_a_stack_id_of_another_distro() -> None:
    catalog = with_portable(factory.stack("generic-24", **{"distro-version": "24.04"}))
    target = Target("linux", "amd64", "", "ubuntu", "24.04", stack_id="vendor-22")
    choice = match_stack(catalog, target)
    assert choice.stack.id == "generic-24"
    assert choice.note == (
        "CNB_STACK_ID vendor-22 is ubuntu 22.04, but the run image is ubuntu 24.04: "
        "using generic-24"
    )
    debian = Target("linux", "amd64", "", "debian", "12", stack_id="vendor-22")
    assert match_stack(catalog, debian).note == (
        "CNB_STACK_ID vendor-22 is ubuntu 22.04, but the run image is debian 12: "
        "using portable CPython builds"
    )


def with_portable(*extra: dict[str, object]) -> Catalog:
    return factory.build(
        factory.catalog_data(
            stacks=[
                factory.stack("generic-22"),
                factory.stack("vendor-22"),
                *extra,
                factory.stack("portable", distro="", **{"distro-version": ""}, portable=True),
            ]
        )
    )


@pytest.mark.parametrize(
    ("target", "note"),
    [
        (
            Target("linux", "amd64", distro_name="debian", distro_version="12"),
            "debian 12 is not a named stack: using portable CPython builds",
        ),
        (
            Target("linux", "amd64", distro_name="rhel", distro_version="9"),
            "rhel 9 is not a named stack: using portable CPython builds",
        ),
        (
            Target("linux", "amd64", distro_name="ubuntu"),
            "The run image names its distro (ubuntu) but not its version (label "
            "io.buildpacks.base.distro.version): using portable CPython builds",
        ),
        (Target("linux", "amd64"), "The run image names no distro: using portable CPython builds"),
    ],
)
def test_an_unnamed_glibc_target_uses_the_portable_stack_and_says_so(
    target: Target, note: str
) -> None:
    choice = match_stack(with_portable(), target)
    assert (choice.stack.id, choice.note) == ("portable", note)


@pytest.mark.parametrize("distro", ["alpine", "postmarketos", "chimera", "adelie"])
def test_a_musl_distro_is_refused_even_with_a_portable_stack(distro: str) -> None:
    target = Target("linux", "amd64", distro_name=distro, distro_version="3.20")
    with pytest.raises(MuslTarget) as caught:
        match_stack(with_portable(), target)
    text = caught.value.message().render()
    assert text.startswith(
        f"ERROR: Python cannot be installed on {distro} 3.20: it uses musl libc, not glibc"
    )
    assert "need glibc 2.17 or newer" in text


def test_one_portable_stack_at_most_and_without_a_distro() -> None:
    data = factory.catalog_data(
        stacks=[
            factory.stack("portable", portable=True),
            factory.stack("another", distro="", **{"distro-version": ""}, portable=True),
        ]
    )
    with pytest.raises(CatalogInvalid) as caught:
        factory.build(data)
    text = caught.value.message().render()
    assert "stacks[0] (portable) portable: a portable stack serves every distro" in text
    assert "stacks[1] (another) portable: duplicates stacks[0] (portable)" in text


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
    choice = select_stack(
        two_stacks(status="deprecated"), Target("linux", "amd64", stack_id="vendor-22")
    )
    assert choice.stack.status == "deprecated"


def test_an_arch_the_stack_lacks_is_refused() -> None:
    with pytest.raises(ArchNotOffered) as caught:
        select_stack(two_stacks(archs=["amd64"]), Target("linux", "arm64", stack_id="vendor-22"))
    text = caught.value.message().render()
    assert "ERROR: The vendor-22 stack doesn't offer Python for arm64" in text
    assert "vendor-22 offers Python for amd64 only" in text
    assert "Or use a stack that offers arm64: generic-22." in text
