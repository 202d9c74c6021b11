"""Which catalog stack a build runs on, from the CNB target.

The stack id comes first (`CNB_STACK_ID`, matched against ids and aliases) because it is the
only way to tell scalingo-22 from a plain jammy image: both report ubuntu 22.04. Without a
known id, the distro decides, and the first matching stack in file order wins, so a catalog
lists its generic stacks before the vendor ones that share their distro.
"""

from __future__ import annotations

from cnb_python.catalog.models import Catalog, Stack
from cnb_python.cnb.context import Target
from cnb_python.errors import ArchNotOffered, StackEndOfLife, UnknownStack


def describe_stack(stack: Stack) -> str:
    """`scalingo-22 (ubuntu 22.04; amd64, arm64)`: how refusals list a known stack."""
    details = []
    if stack.aliases:
        details.append("also " + ", ".join(stack.aliases))
    if stack.distro:
        details.append(f"{stack.distro} {stack.distro_version}")
    details.append(", ".join(stack.archs))
    if stack.status != "supported":
        details.append(stack.status)
    return f"{stack.id} ({'; '.join(details)})"


def match_stack(catalog: Catalog, target: Target) -> Stack:
    """The catalog stack for `target`, whatever its status; `UnknownStack` when none."""
    if target.os and target.os != "linux":
        raise UnknownStack(target.describe(), _known(catalog))
    if target.stack_id:
        found = catalog.find_stack(target.stack_id)
        if found is not None:
            return found
    if target.distro_name and target.distro_version:
        for stack in catalog.stacks:
            if (stack.distro, stack.distro_version) == (target.distro_name, target.distro_version):
                return stack
    raise UnknownStack(target.describe(), _known(catalog))


def select_stack(catalog: Catalog, target: Target) -> Stack:
    """The stack a build may use: refuses end-of-life stacks and archs the stack lacks.

    A deprecated stack is returned like any other; the resolver turns its status into a warning.
    """
    stack = match_stack(catalog, target)
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
    return stack


def _known(catalog: Catalog) -> tuple[str, ...]:
    return tuple(describe_stack(stack) for stack in catalog.stacks)
