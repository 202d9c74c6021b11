"""Which catalog stack a build runs on, from the CNB target.

The run image is where the app runs, so its distro (`CNB_TARGET_DISTRO_NAME`/`_VERSION`, from
the run image's labels with Platform API >= 0.12) has the last word:

1. `CNB_STACK_ID` (set by builder images such as heroku-24-build) names a stack: it is used
   when the target agrees with it (same distro and version, or a target or stack without a
   distro). It is the only way to tell scalingo-22 from a plain jammy image, since both report
   ubuntu 22.04.
2. Otherwise the first stack, in file order, with the target's distro and version: a catalog
   lists its generic stacks before the vendor ones that share their distro. A stack id that
   disagrees with the run image is overruled, and the build says so.
3. Otherwise the catalog's portable stack, for any glibc Linux no stack names (Debian, UBI,
   Amazon Linux, an unlabelled image, a distro label without a version), and the build says
   so in one line. A musl distro (Alpine) is refused: nothing in the catalog runs there.
4. Otherwise `UnknownStack`, listing every known stack.

A distro name without a version is never completed from another source (such as the build
image's os-release): a stack is only chosen for the distro the run image really names.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnb_python.catalog import notices
from cnb_python.catalog.models import Catalog, Stack
from cnb_python.cnb.context import Target
from cnb_python.errors import ArchNotOffered, MuslTarget, StackEndOfLife, UnknownStack

# os-release IDs of distros whose libc is musl (glibc-only CPython builds cannot run there).
MUSL_DISTROS = frozenset({"alpine", "postmarketos", "chimera", "adelie"})


@dataclass(frozen=True)
class StackChoice:
    """The stack, and (when it is not simply the one the target names) the one line the build
    log gives about why it is this one."""

    stack: Stack
    note: str = ""


def describe_stack(stack: Stack) -> str:
    """`scalingo-22 (ubuntu 22.04; amd64, arm64)`: how refusals list a known stack."""
    details = []
    if stack.aliases:
        details.append("also " + ", ".join(stack.aliases))
    if stack.distro:
        details.append(f"{stack.distro} {stack.distro_version}")
    if stack.portable:
        details.append("any other glibc Linux")
    details.append(", ".join(stack.archs))
    if stack.status != "supported":
        details.append(stack.status)
    return f"{stack.id} ({'; '.join(details)})"


def _agrees(stack: Stack, target: Target) -> bool:
    if not stack.distro or not target.distro_name:
        return True
    return (stack.distro, stack.distro_version) == (target.distro_name, target.distro_version)


def match_stack(catalog: Catalog, target: Target) -> StackChoice:
    """The catalog stack for `target`, whatever its status; refuses musl and unknown targets."""
    if target.os and target.os != "linux":
        raise UnknownStack(target.describe(), _known(catalog))
    if target.distro_name in MUSL_DISTROS:
        raise MuslTarget(target.distro_name, target.distro_version)
    named = catalog.find_stack(target.stack_id) if target.stack_id else None
    if named is not None and _agrees(named, target):
        return StackChoice(named)
    by_distro = None
    if target.distro_name and target.distro_version:
        by_distro = next(
            (
                stack
                for stack in catalog.stacks
                if (stack.distro, stack.distro_version)
                == (target.distro_name, target.distro_version)
            ),
            None,
        )
    chosen = by_distro or catalog.portable_stack()
    if chosen is None:
        raise UnknownStack(target.describe(), _known(catalog))
    if named is not None:
        return StackChoice(chosen, notices.stack_id_overruled(named, target, chosen))
    return StackChoice(chosen, notices.portable_stack_used(target) if chosen.portable else "")


def select_stack(catalog: Catalog, target: Target) -> StackChoice:
    """The stack a build may use: refuses end-of-life stacks and archs the stack lacks.

    A deprecated stack is returned like any other; the resolver turns its status into a warning.
    """
    choice = match_stack(catalog, target)
    stack = choice.stack
    supported = tuple(s.id for s in catalog.stacks if s.status == "supported")
    if stack.status == "end-of-life":
        raise StackEndOfLife(stack.id, supported)
    if target.arch not in stack.archs:
        raise ArchNotOffered(
            stack.id,
            target.arch,
            stack.archs,
            tuple(
                s.id for s in catalog.stacks if target.arch in s.archs and s.status != "end-of-life"
            ),
        )
    return choice


def _known(catalog: Catalog) -> tuple[str, ...]:
    return tuple(describe_stack(stack) for stack in catalog.stacks)
