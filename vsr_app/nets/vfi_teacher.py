"""ST-MFNet-style x2 frame interpolation net in plain torch ops (runs on CPU, CUDA and frozen apps).

Four frames (t-1, t0, t1, t2) in, the frame halfway between t0 and t1 out.

Stage I  - a per-frame encoder (shared weights) and a joint U-Net decoder give features at 1/8..1x;
           multi-flow heads predict, per pixel, K = k*k sampling offsets plus softmax weights for
           t0 and for t1 (AdaCoF-like deformable kernels) at 0.5x, 1x and 2x scale, and an
           occlusion mask to mix the two warped frames. Warping is one `grid_sample` over K*H rows.
           The 2x field comes from the 1x features through pixel shuffle, so no conv runs at 2x.
           A small GridNet (three rows at 1x, 1/2, 1/4, lateral residual blocks, down then up
           columns) fuses the three warped candidates into the Stage-I frame.
Stage II - a 3D-conv U-Net over (t-1, t0, Stage-I frame, t1, t2) adds a texture residual; its decoder
           drops the temporal padding so it computes only the time steps the middle output depends on.

Every conv's output width comes from one `widths` dict, and every conv records which width groups
feed it (`self.graph`). That is what lets `vsr_app.distill.prune` shrink the net: the pruned
student is this same class built from a smaller width plan (see `vfi_student.py`). Convs whose
outputs are summed (GridNet rows) share one group, so they keep the same channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from vsr_app.models import register_arch

CENTRE_LOGIT = 4.0  # initial softmax logit of each kernel's centre tap (others 0): ~70% of the weight
OFFSET_SCALE = 4.0  # head outputs are scaled to pixels, so optimiser-sized steps move samples usefully far

# (group name, repeat) feeding a conv; an int is a fixed, never-pruned block of channels.
InSpec = list[tuple[str, int] | int]


@dataclass(frozen=True)
class ConvNode:
    """Where a conv sits in the channel graph: its output group and the groups it reads, in order."""

    out: str | int
    inputs: tuple[tuple[str, int] | int, ...]


def default_widths(base: int = 32) -> dict[str, int]:
    """Teacher widths from one base width; the heavy layers live at 1/4 and 1/8 scale where they are cheap."""
    b = base
    w = {
        "enc1": b // 2, "enc1b": b // 2,
        "enc2": b, "enc2b": b,
        "enc3": 2 * b, "enc3b": 2 * b,
        "enc4": 3 * b, "enc4b": 3 * b,
        "dec4": 6 * b, "dec4b": 6 * b,
        "dec3": 4 * b, "dec3b": 4 * b,
        "dec2": 2 * b, "dec2b": 2 * b,
        "dec1": b, "dec1b": b,
        "head_h": b, "head_1": b, "head_2": b,
        "grid0": b // 2, "grid1": b, "grid2": 2 * b,
        "s3d1": b // 2, "s3d1b": b // 2, "s3d2": b, "s3d2b": b, "s3d3": 2 * b,
        "s3du2": b, "s3du1": b // 2,
    }
    for row in range(3):
        for i in range(2):
            w[f"grid{row}_lat{i}"] = w[f"grid{row}"]
    return w


class _Builder:
    """Creates convs with widths from the plan and records the channel graph for pruning."""

    def __init__(self, widths: dict[str, int]):
        self.widths = widths
        self.graph: dict[str, ConvNode] = {}

    def width(self, spec: str | int) -> int:
        return spec if isinstance(spec, int) else self.widths[spec]

    def conv(self, name: str, inputs: InSpec, out: str | int, k=3, stride=1, dim: int = 2,
             time_pad: bool = True) -> nn.Module:
        inputs = tuple(inputs)
        cin = sum(self.width(s) if isinstance(s, int) else self.width(s[0]) * s[1] for s in inputs)
        cout = self.width(out)
        self.graph[name] = ConvNode(out, inputs)
        if dim == 3:
            kt = k if isinstance(k, tuple) else (k, k, k)
            pad = (kt[0] // 2 if time_pad else 0, kt[1] // 2, kt[2] // 2)
            return nn.Conv3d(cin, cout, kt, stride=stride, padding=pad)
        return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2)


def _act(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.1)


def _up(x: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def deformable_warp(frame: torch.Tensor, offsets: torch.Tensor, logits: torch.Tensor, k: int) -> torch.Tensor:
    """Sum of K = k*k bilinear samples per pixel at base-grid + offset positions, softmax-weighted.

    frame [N,C,H,W]; offsets [N,2K,H,W] in pixels (x then y per sample); logits [N,K,H,W].
    Always computed in float32, also under bf16/fp16 autocast: bf16 has 8 significant bits, so
    coordinates of a 640-pixel-wide frame would be off by up to 2 pixels.
    """
    n, c, h, w = frame.shape
    kk = k * k
    with torch.autocast(device_type=frame.device.type, enabled=False):
        frame, offsets = frame.float(), offsets.float()
        r = torch.arange(k, device=frame.device, dtype=torch.float32) - (k - 1) / 2
        base_y, base_x = torch.meshgrid(r, r, indexing="ij")
        ys = torch.arange(h, device=frame.device, dtype=torch.float32).view(1, 1, h, 1)
        xs = torch.arange(w, device=frame.device, dtype=torch.float32).view(1, 1, 1, w)
        off = offsets.view(n, kk, 2, h, w)
        px = xs + base_x.reshape(1, kk, 1, 1) + off[:, :, 0]
        py = ys + base_y.reshape(1, kk, 1, 1) + off[:, :, 1]
        gx = px * (2.0 / max(w - 1, 1)) - 1.0
        gy = py * (2.0 / max(h - 1, 1)) - 1.0
        grid = torch.stack((gx, gy), dim=-1).reshape(n, kk * h, w, 2)
        samples = F.grid_sample(frame, grid, mode="bilinear", padding_mode="border", align_corners=True)
        weights = torch.softmax(logits.float(), dim=1).unsqueeze(1)
        return (samples.view(n, c, kk, h, w) * weights).sum(dim=2)


class VFINet(nn.Module):
    """The ST-MFNet-style interpolator; the teacher with default widths, the student with a pruned plan."""

    kind = "interpolate"
    num_inputs = 4
    size_multiple = 8  # the encoder works down to 1/8 scale

    def __init__(self, widths: dict[str, int] | None = None, base: int = 32, kernel: int = 5):
        super().__init__()
        self.widths = dict(widths) if widths is not None else default_widths(base)
        self.kernel = kernel
        kk = kernel * kernel
        self.head_out = 2 * 3 * kk + 1  # per frame: 2K offsets + K weights; plus one mask
        b = _Builder(self.widths)
        c = nn.ModuleDict()
        # per-frame encoder, shared across the four frames
        c["enc1"] = b.conv("enc1", [3], "enc1")
        c["enc1b"] = b.conv("enc1b", [("enc1", 1)], "enc1b")
        c["enc2"] = b.conv("enc2", [("enc1b", 1)], "enc2", stride=2)
        c["enc2b"] = b.conv("enc2b", [("enc2", 1)], "enc2b")
        c["enc3"] = b.conv("enc3", [("enc2b", 1)], "enc3", stride=2)
        c["enc3b"] = b.conv("enc3b", [("enc3", 1)], "enc3b")
        c["enc4"] = b.conv("enc4", [("enc3b", 1)], "enc4", stride=2)
        c["enc4b"] = b.conv("enc4b", [("enc4", 1)], "enc4b")
        # joint decoder over the concatenated features of the four frames
        c["dec4"] = b.conv("dec4", [("enc4b", 4)], "dec4")
        c["dec4b"] = b.conv("dec4b", [("dec4", 1)], "dec4b")
        c["dec3"] = b.conv("dec3", [("dec4b", 1), ("enc3b", 4)], "dec3")
        c["dec3b"] = b.conv("dec3b", [("dec3", 1)], "dec3b")
        c["dec2"] = b.conv("dec2", [("dec3b", 1), ("enc2b", 4)], "dec2")
        c["dec2b"] = b.conv("dec2b", [("dec2", 1)], "dec2b")
        c["dec1"] = b.conv("dec1", [("dec2b", 1), ("enc1b", 4)], "dec1")
        c["dec1b"] = b.conv("dec1b", [("dec1", 1)], "dec1b")
        # multi-flow heads: 0.5x from 1/2 features, 1x and 2x (pixel-shuffled) from 1x features
        c["head_h"] = b.conv("head_h", [("dec2b", 1)], "head_h")
        c["head_h_out"] = b.conv("head_h_out", [("head_h", 1)], self.head_out, k=1)
        c["head_1"] = b.conv("head_1", [("dec1b", 1)], "head_1")
        c["head_1_out"] = b.conv("head_1_out", [("head_1", 1)], self.head_out, k=1)
        c["head_2"] = b.conv("head_2", [("dec1b", 1)], "head_2")
        c["head_2_out"] = b.conv("head_2_out", [("head_2", 1)], 4 * self.head_out, k=1)
        # GridNet fusion: row 0 at 1x, row 1 at 1/2, row 2 at 1/4; rows are summed streams (one group each)
        c["grid0_in"] = b.conv("grid0_in", [3, 12, ("dec1b", 1)], "grid0")
        c["grid1_in"] = b.conv("grid1_in", [3, ("dec2b", 1)], "grid1")
        c["grid2_in"] = b.conv("grid2_in", [("dec3b", 1)], "grid2")
        for row in range(3):
            for i in range(2):
                c[f"grid{row}_lat{i}a"] = b.conv(f"grid{row}_lat{i}a", [(f"grid{row}", 1)], f"grid{row}_lat{i}")
                c[f"grid{row}_lat{i}b"] = b.conv(f"grid{row}_lat{i}b", [(f"grid{row}_lat{i}", 1)], f"grid{row}")
        c["grid_down01"] = b.conv("grid_down01", [("grid0", 1)], "grid1", stride=2)
        c["grid_down12"] = b.conv("grid_down12", [("grid1", 1)], "grid2", stride=2)
        c["grid_up21"] = b.conv("grid_up21", [("grid2", 1)], "grid1")
        c["grid_up10"] = b.conv("grid_up10", [("grid1", 1)], "grid0")
        c["grid_out"] = b.conv("grid_out", [("grid0", 1)], 3)
        # Stage II: 3D U-Net over five frames (t-1, t0, stage-I, t1, t2)
        c["s3d1"] = b.conv("s3d1", [3], "s3d1", dim=3)
        c["s3d1b"] = b.conv("s3d1b", [("s3d1", 1)], "s3d1b", dim=3)
        c["s3d2"] = b.conv("s3d2", [("s3d1b", 1)], "s3d2", dim=3, stride=(1, 2, 2))
        c["s3d2b"] = b.conv("s3d2b", [("s3d2", 1)], "s3d2b", dim=3)
        c["s3d3"] = b.conv("s3d3", [("s3d2b", 1)], "s3d3", dim=3, stride=(1, 2, 2))
        # the decoder only computes the time steps the middle output needs: 5 -> 3 -> 1
        c["s3du2"] = b.conv("s3du2", [("s3d3", 1), ("s3d2b", 1)], "s3du2", dim=3, time_pad=False)
        c["s3du1"] = b.conv("s3du1", [("s3du2", 1), ("s3d1b", 1)], "s3du1", dim=3, time_pad=False)
        c["s3d_out"] = b.conv("s3d_out", [("s3du1", 1)], 3, k=(1, 3, 3), dim=3)
        self.convs = c
        self.graph = b.graph
        self._init_heads()

    def _init_heads(self) -> None:
        """Start as a plain blend: zero offsets, kernels peaked on their centre tap, an even mask, zero residuals.

        (Uniform kernels would start as a 5x5 box blur, which the heads then take thousands of steps to undo.)
        """
        for name in ("head_h_out", "head_1_out", "head_2_out", "grid_out", "s3d_out"):
            nn.init.normal_(self.convs[name].weight, std=1e-3)
            nn.init.zeros_(self.convs[name].bias)
        kk = self.kernel * self.kernel
        centre = kk // 2
        with torch.no_grad():
            for name, copies in (("head_h_out", 1), ("head_1_out", 1), ("head_2_out", 4)):
                bias = self.convs[name].bias.view(self.head_out, copies)  # pixel shuffle groups 4 per channel
                for frame in range(2):
                    bias[4 * kk + frame * kk + centre] = CENTRE_LOGIT

    def _c(self, name: str, x: torch.Tensor, act: bool = True) -> torch.Tensor:
        y = self.convs[name](x)
        return _act(y) if act else y

    def _encode(self, x: torch.Tensor) -> list[torch.Tensor]:
        f1 = self._c("enc1b", self._c("enc1", x))
        f2 = self._c("enc2b", self._c("enc2", f1))
        f3 = self._c("enc3b", self._c("enc3", f2))
        f4 = self._c("enc4b", self._c("enc4", f3))
        return [f1, f2, f3, f4]

    def _warp_pair(self, head: torch.Tensor, f0: torch.Tensor, f1: torch.Tensor) -> torch.Tensor:
        kk = self.kernel * self.kernel
        o0, o1, l0, l1, m = torch.split(head, [2 * kk, 2 * kk, kk, kk, 1], dim=1)
        w0 = deformable_warp(f0, OFFSET_SCALE * o0, l0, self.kernel)
        w1 = deformable_warp(f1, OFFSET_SCALE * o1, l1, self.kernel)
        mask = torch.sigmoid(m)
        return mask * w0 + (1 - mask) * w1

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """frames [N,4,3,H,W] (H, W multiples of `size_multiple`) -> middle of frames 1 and 2, [N,3,H,W]."""
        n, t, _, h, w = frames.shape
        feats = self._encode(frames.reshape(n * t, 3, h, w))
        f1, f2, f3, f4 = (f.reshape(n, -1, *f.shape[-2:]) for f in feats)  # 4 frames' channels concatenated
        d4 = self._c("dec4b", self._c("dec4", f4))
        d3 = self._c("dec3b", self._c("dec3", torch.cat([_up(d4, f3.shape[-2:]), f3], 1)))
        d2 = self._c("dec2b", self._c("dec2", torch.cat([_up(d3, f2.shape[-2:]), f2], 1)))
        d1 = self._c("dec1b", self._c("dec1", torch.cat([_up(d2, f1.shape[-2:]), f1], 1)))

        i0, i1 = frames[:, 1], frames[:, 2]
        half0, half1 = F.avg_pool2d(i0, 2), F.avg_pool2d(i1, 2)
        warp_h = self._warp_pair(self._c("head_h_out", self._c("head_h", d2), act=False), half0, half1)
        warp_1 = self._warp_pair(self._c("head_1_out", self._c("head_1", d1), act=False), i0, i1)
        head_2 = F.pixel_shuffle(self._c("head_2_out", self._c("head_2", d1), act=False), 2)
        dbl0, dbl1 = (_up(x, (2 * h, 2 * w)) for x in (i0, i1))
        # offsets at 2x are in 2x pixels; pixel shuffle keeps their meaning per output position
        warp_2 = self._warp_pair(head_2, dbl0, dbl1)

        g0 = self._c("grid0_in", torch.cat([warp_1, F.pixel_unshuffle(warp_2, 2), d1], 1))
        g1 = self._c("grid1_in", torch.cat([warp_h, d2], 1))
        g2 = self._c("grid2_in", d3)
        g0 = self._lateral(0, 0, g0)
        g1 = self._lateral(1, 0, g1 + self._c("grid_down01", g0))
        g2 = self._lateral(2, 0, g2 + self._c("grid_down12", g1))
        g2 = self._lateral(2, 1, g2)
        g1 = self._lateral(1, 1, g1 + self._c("grid_up21", _up(g2, g1.shape[-2:])))
        g0 = self._lateral(0, 1, g0 + self._c("grid_up10", _up(g1, g0.shape[-2:])))
        stage1 = warp_1 + self._c("grid_out", g0, act=False)

        clip = torch.stack([frames[:, 0], i0, stage1, i1, frames[:, 3]], dim=2)  # [N,3,5,H,W]
        s1 = self._c("s3d1b", self._c("s3d1", clip))
        s2 = self._c("s3d2b", self._c("s3d2", s1))
        s3 = self._c("s3d3", s2)
        u2 = self._c("s3du2", torch.cat([F.interpolate(s3, size=s2.shape[-3:], mode="nearest"), s2], 1))  # T 3
        u1 = self._c("s3du1", torch.cat([F.interpolate(u2, size=(3, *s1.shape[-2:]), mode="nearest"),
                                         s1[:, :, 1:4]], 1))  # T 1: the stage-I time step
        residual = self.convs["s3d_out"](u1)[:, :, 0]
        return stage1 + residual

    def _lateral(self, row: int, i: int, x: torch.Tensor) -> torch.Tensor:
        y = self._c(f"grid{row}_lat{i}b", self._c(f"grid{row}_lat{i}a", x), act=False)
        return x + y


@register_arch("vfi_stmfnet")
def build_vfi_net(widths: dict[str, int] | None = None, base: int = 32, kernel: int = 5) -> VFINet:
    """Registry builder; the card's config holds the widths (teacher: base only; student: a pruned plan)."""
    return VFINet(widths=widths, base=base, kernel=kernel)
