"""The "Mini" interpolation student: the teacher's code with the narrower widths a pruning run chose.

Widths are never picked by hand: `vsr_app.distill.prune` derives them from the teacher's sparsity
pattern and writes them into the student's card, from which the registry rebuilds the net.
"""

from __future__ import annotations

from vsr_app.errors import VsrAppError
from vsr_app.models import register_arch
from vsr_app.nets.vfi_teacher import VFINet, default_widths


def check_plan(widths: dict[str, int], base: int = 32) -> None:
    """A width plan must name exactly the teacher's groups, each with 1..teacher-width channels."""
    reference = default_widths(base)
    if set(widths) != set(reference):
        unknown = sorted(set(widths) ^ set(reference))
        raise VsrAppError(f"width plan does not match the interpolation net (groups differ: {', '.join(unknown[:5])})")
    bad = [g for g, w in widths.items() if not 1 <= int(w) <= reference[g]]
    if bad:
        raise VsrAppError(f"width plan has out-of-range widths for {', '.join(bad[:5])}")


@register_arch("vfi_mini")
def build_vfi_mini(widths: dict[str, int], base: int = 32, **config) -> VFINet:
    """Registry builder for pruned students; `base` names the teacher size the plan was cut from, the other
    keywords are `VFINet`'s."""
    check_plan(widths, base)
    net = VFINet(widths={g: int(w) for g, w in widths.items()}, base=base, **config)
    # fp32 convs of pruned (narrow) widths ran 22% faster channels-last on an AVX2 CPU; the full-width teacher's
    # ran 18% slower, so this is the pruned net's choice (docs/RESULTS.md, Performance, "Session 15")
    net.fp32_channels_last = True
    return net
