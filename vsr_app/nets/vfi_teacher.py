"""ST-MFNet-style x2 frame interpolation net in plain torch ops (runs on CPU, CUDA and frozen apps).

Four frames (t-1, t0, t1, t2) in, the frame halfway between t0 and t1 out.

Stage I  - a per-frame encoder (shared weights) and a joint U-Net decoder give features at 1/8..1x;
           multi-flow heads predict, per pixel, K = k*k sampling offsets plus softmax weights for
           t0 and for t1 (AdaCoF-like deformable kernels) at 0.5x, 1x and 2x scale, and an
           occlusion mask to mix the two warped frames. The kernel size is set per scale (`kernels`,
           0.5x/1x/2x; e.g. 5, 5, 3: the 2x scale has 4x the pixels, so its taps cost the most).
           Warping loops over the taps, one `grid_sample` each, accumulating the weighted sum (about
           2x faster on CPU than one sample over a stacked K*H grid, and K times less memory).
           The 2x field comes from the 1x features through pixel shuffle, so no conv runs at 2x.
           A small GridNet (three rows at 1x, 1/2, 1/4, lateral residual blocks, down then up
           columns) fuses the three warped candidates into the Stage-I frame.
           With `mix` (every net trained since the fix), the Stage-I frame is a per-pixel softmax mix of
           the three warped candidates (brought to 1x) plus the GridNet's residual; without it (the first
           shipped teacher) it is the 1x candidate plus the residual, which left the 0.5x and 2x heads
           reachable only through the GridNet's near-zero-initialised output conv: their gradients were
           ~1e-7 and they never learned.
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
from vsr_app.nets.motion_prior import PRIORS, motion_prior
from vsr_app.nets.motion_prior import resize as _up
from vsr_app.nets.ops import cat_channels, conv3d, input_layout

CENTRE_LOGIT = 8.0  # initial softmax logit of each kernel's centre tap (others 0): 99.2% of a 5x5 kernel's weight
MIX_1X_LOGIT = 3.0  # initial Stage-I mix: 91% on the (sharp) 1x candidate, 4.5% each on the 0.5x and 2x ones
OFFSET_SCALE = 4.0  # head outputs are scaled to pixels, so optimiser-sized steps move samples usefully far
COARSE_SCALE = 16.0  # the coarse flow head's outputs, to full-resolution pixels

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


CORR_RADII = (3, 2)  # symmetric cost volumes at 1/8 and 1/4 scale: (2r+1)^2 channels each


def symmetric_correlation(a: torch.Tensor, b: torch.Tensor, r: int, norm: float) -> torch.Tensor:
    """Cost volume for the middle frame: channel (dy, dx) holds <a(p - d), b(p + d)> * norm for
    d in [-r, r]^2, i.e. how well t0 and t1 agree along each candidate straight motion through p.
    `norm` is fixed (1 / the teacher's channel count), so a pruned net whose dropped channels were
    zero computes the same values."""
    h, w = a.shape[-2:]
    ap, bp = F.pad(a, (r, r, r, r)), F.pad(b, (r, r, r, r))
    out = [(ap[..., r - dy:r - dy + h, r - dx:r - dx + w] * bp[..., r + dy:r + dy + h, r + dx:r + dx + w]).sum(1)
           for dy in range(-r, r + 1) for dx in range(-r, r + 1)]
    return _act(torch.stack(out, 1) * norm)


def _tap_positions(k: int, taps=None) -> list[tuple[float, float]]:
    """(x, y) base positions of a k x k kernel's taps (all, or the kept indices `taps`, row-major)."""
    idx = range(k * k) if taps is None else taps
    return [(j % k - (k - 1) / 2, j // k - (k - 1) / 2) for j in idx]


def mean_displacement(offsets: torch.Tensor, logits: torch.Tensor, k: int, taps=None) -> torch.Tensor:
    """The softmax-weighted mean sampling displacement [N,2,H,W] (x, y, pixels) of a deformable kernel:
    sum over taps of weight * (tap's base position + its offset). This is what a flow field would be."""
    n, _, h, w = offsets.shape
    pos = _tap_positions(k, taps)
    base = torch.tensor(pos, device=offsets.device, dtype=torch.float32).view(1, len(pos), 2, 1, 1)
    weights = torch.softmax(logits.float(), dim=1).unsqueeze(2)
    return ((offsets.float().view(n, len(pos), 2, h, w) + base) * weights).sum(1)


def deformable_warp(frame: torch.Tensor, offsets: torch.Tensor, logits: torch.Tensor, k: int,
                    taps=None) -> torch.Tensor:
    """Sum of K bilinear samples per pixel at base-grid + offset positions, softmax-weighted.

    frame [N,C,H,W]; offsets [N,2K,H,W] in pixels (x then y per sample); logits [N,K,H,W]. The K taps
    are the k x k kernel's, or the subset `taps` (row-major indices) a pruned student kept.
    Always computed in float32, also under bf16/fp16 autocast: bf16 has 8 significant bits, so
    coordinates of a 640-pixel-wide frame would be off by up to 2 pixels.
    One `grid_sample` per tap, accumulated: the same sum as sampling a stacked [N, K*H, W] grid,
    but the working set stays one frame in size (about 2x faster on CPU, K times less memory).
    """
    n, c, h, w = frame.shape
    pos = _tap_positions(k, taps)
    with torch.autocast(device_type=frame.device.type, enabled=False):
        frame, offsets = frame.float(), offsets.float()
        sx, sy = 2.0 / max(w - 1, 1), 2.0 / max(h - 1, 1)
        # normalised coordinates of the pixel grid, [1,H,W,2]; each tap adds its base shift and offsets
        xs = torch.arange(w, device=frame.device, dtype=torch.float32) * sx - 1.0
        ys = torch.arange(h, device=frame.device, dtype=torch.float32) * sy - 1.0
        grid0 = torch.stack(torch.broadcast_tensors(xs.view(1, w), ys.view(h, 1)), -1).unsqueeze(0)
        scale = torch.tensor([sx, sy], device=frame.device, dtype=torch.float32)
        off = offsets.view(n, len(pos), 2, h, w).permute(0, 1, 3, 4, 2)  # [N,K,H,W,2]
        weights = torch.softmax(logits.float(), dim=1)
        out = None
        for j, (bx, by) in enumerate(pos):
            shift = torch.tensor([bx * sx, by * sy], device=frame.device)
            grid = torch.addcmul(grid0 + shift, off[:, j], scale)
            sample = F.grid_sample(frame, grid, mode="bilinear", padding_mode="border", align_corners=True)
            term = sample * weights[:, j:j + 1]
            out = term if out is None else out + term
        return out


class VFINet(nn.Module):
    """The ST-MFNet-style interpolator; the teacher with default widths, the student with a pruned plan."""

    num_inputs = 4
    size_multiple = 8  # the encoder works down to 1/8 scale
    # host memory of one midpoint's temporaries in fp32 on the CPU, (bytes, bytes per input pixel): fitted to the
    # shipped teacher's peak at 640x360 and 1280x720 (docs/RESULTS.md, "Refusing jobs that cannot fit"). Pruned
    # plans, whose widths are at most the teacher's, get it too unless their card carries their own (the shipped
    # student's: 125 MiB + 2,001)
    working_memory = (177 << 20, 4_099)

    def __init__(self, widths: dict[str, int] | None = None, base: int = 32, kernel: int = 5,
                 kernels: list[int] | tuple[int, ...] | None = None, mix: bool = False,
                 taps: list[list[int] | None] | None = None, corr: bool = False, coarse_flow: bool = False,
                 bm_prior: bool = False, prior: str = "block"):
        super().__init__()
        self.widths = dict(widths) if widths is not None else default_widths(base)
        self.base = base
        self.kernels = tuple(int(k) for k in (kernels if kernels is not None else (kernel,) * 3))  # 0.5x, 1x, 2x
        if len(self.kernels) != 3 or min(self.kernels) < 1:
            raise ValueError(f"kernels must be three sizes >= 1 (0.5x, 1x, 2x), not {self.kernels}")
        self.mix = bool(mix)
        # symmetric t0/t1 cost volumes feeding the decoder (every net trained since the fix; see docs)
        self.corr = bool(corr)
        ref = default_widths(base)
        self._corr_norm = (1.0 / ref["enc4b"], 1.0 / ref["enc3b"])
        n_corr = [(2 * r + 1) ** 2 if self.corr else 0 for r in CORR_RADII]
        # a 1/4-scale flow (to t0 and to t1) added to every tap's offsets at every scale
        self.coarse_flow = bool(coarse_flow)
        # a parameter-free motion prior (vsr_app.nets.motion_prior; `prior` says which) as every head's base
        # offset, and as 3 decoder input channels
        self.bm_prior = bool(bm_prior)
        if prior not in PRIORS:
            raise ValueError(f"unknown motion prior {prior!r} (known: {', '.join(PRIORS)})")
        self.prior = prior
        # kept taps per scale (None: the whole k x k kernel); a pruned student may keep fewer
        self.taps = tuple(None if t is None else tuple(int(j) for j in t) for t in (taps or (None,) * 3))
        for k, t in zip(self.kernels, self.taps):
            if t is not None and (not t or sorted(set(t)) != list(t) or t[-1] >= k * k):
                raise ValueError(f"taps must be increasing indices below {k * k}, not {t}")
        self.n_taps = tuple(k * k if t is None else len(t) for k, t in zip(self.kernels, self.taps))
        # per frame: 2K offsets + K weights; plus one mask
        self.head_outs = tuple(2 * 3 * n + 1 for n in self.n_taps)
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
        c["dec4"] = b.conv("dec4", [("enc4b", 4)] + n_corr[:1] * self.corr, "dec4")
        c["dec4b"] = b.conv("dec4b", [("dec4", 1)], "dec4b")
        c["dec3"] = b.conv("dec3", [("dec4b", 1), ("enc3b", 4)] + n_corr[1:] * self.corr, "dec3")
        c["dec3b"] = b.conv("dec3b", [("dec3", 1)], "dec3b")
        c["dec2"] = b.conv("dec2", [("dec3b", 1), ("enc2b", 4)], "dec2")
        c["dec2b"] = b.conv("dec2b", [("dec2", 1)], "dec2b")
        c["dec1"] = b.conv("dec1", [("dec2b", 1), ("enc1b", 4)] + [3] * self.bm_prior, "dec1")
        c["dec1b"] = b.conv("dec1b", [("dec1", 1)], "dec1b")
        # multi-flow heads: 0.5x from 1/2 features, 1x and 2x (pixel-shuffled) from 1x features
        c["head_h"] = b.conv("head_h", [("dec2b", 1)], "head_h")
        c["head_h_out"] = b.conv("head_h_out", [("head_h", 1)], self.head_outs[0], k=1)
        c["head_1"] = b.conv("head_1", [("dec1b", 1)], "head_1")
        c["head_1_out"] = b.conv("head_1_out", [("head_1", 1)], self.head_outs[1], k=1)
        c["head_2"] = b.conv("head_2", [("dec1b", 1)], "head_2")
        c["head_2_out"] = b.conv("head_2_out", [("head_2", 1)], 4 * self.head_outs[2], k=1)
        if self.mix:  # per-pixel softmax over the three warped candidates (starts even)
            c["mix_out"] = b.conv("mix_out", [("dec1b", 1)], 3)
        if self.coarse_flow:
            c["flow_out"] = b.conv("flow_out", [("dec3b", 1)], 4)
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
        """Start as a plain blend (with the motion prior: a plain midpoint warp): zero offsets, kernels almost
        entirely on their centre tap, an even mask, the mix on the 1x candidate, zero residuals.

        (Uniform kernels would start as a 5x5 box blur, which the heads then take thousands of steps to undo;
        with a 70% centre weight and an even mix the first fixed teacher started 4 dB below its own prior on
        the validation crops, and was still 1.8 dB below it after 500 steps.)
        """
        for name in ("head_h_out", "head_1_out", "head_2_out", "grid_out", "s3d_out"):
            nn.init.normal_(self.convs[name].weight, std=1e-3)
            nn.init.zeros_(self.convs[name].bias)
        for name in ("mix_out", "flow_out"):
            if name in self.convs:
                nn.init.zeros_(self.convs[name].weight)
                nn.init.zeros_(self.convs[name].bias)
        if self.mix:
            with torch.no_grad():
                self.convs["mix_out"].bias[1] = MIX_1X_LOGIT
        with torch.no_grad():
            for name, copies, k, taps, kk, out in zip(("head_h_out", "head_1_out", "head_2_out"), (1, 1, 4),
                                                      self.kernels, self.taps, self.n_taps, self.head_outs):
                centre = (k * k) // 2
                if taps is not None:
                    if centre not in taps:
                        continue
                    centre = taps.index(centre)
                bias = self.convs[name].bias.view(out, copies)  # pixel shuffle groups 4 per channel
                for frame in range(2):
                    bias[4 * kk + frame * kk + centre] = CENTRE_LOGIT

    def arch_config(self) -> dict:
        """The card config that rebuilds this net's architecture (widths aside). `base` too: a pruned net keeps its
        teacher's, which bounds its plan and scales its correlation."""
        cfg = {"base": self.base, "kernels": list(self.kernels), "mix": self.mix, "corr": self.corr,
               "coarse_flow": self.coarse_flow, "bm_prior": self.bm_prior, "prior": self.prior}
        if any(t is not None for t in self.taps):
            cfg["taps"] = [None if t is None else list(t) for t in self.taps]
        return cfg

    def rebuild(self, widths: dict[str, int], taps=None) -> "VFINet":
        """The same architecture with other widths (what pruning builds), optionally fewer taps."""
        config = {**self.arch_config(), "taps": self.taps if taps is None else taps}
        return VFINet(widths=widths, **config)

    def _c(self, name: str, x: torch.Tensor | list[torch.Tensor], act: bool = True) -> torch.Tensor:
        """Conv `name` (+ activation) on x, or on the channel concatenation of a list of tensors.

        A list is concatenated in the dtype the conv computes in (`cat_channels`).
        """
        conv = self.convs[name]
        is3d = isinstance(conv, nn.Conv3d)
        dev = (x[0] if isinstance(x, list) else x).device.type
        # torch 2.13's CPU (oneDNN) bf16 Conv3d weight gradient corrupts the heap for stride-1 convs on
        # frames of about 88 px and more (double free / segfault in backward): train those in fp32
        fp32 = (is3d and dev == "cpu" and torch.is_grad_enabled()
                and torch.is_autocast_enabled("cpu"))
        if isinstance(x, list):
            x = cat_channels(x, torch.float32 if fp32 else None, input_layout(conv))
        if fp32:
            with torch.autocast(device_type="cpu", enabled=False):
                y = conv(x.float())
        else:
            y = conv3d(conv, x) if is3d else conv(x)
        return _act(y) if act else y

    def _encode(self, x: torch.Tensor) -> list[torch.Tensor]:
        f1 = self._c("enc1b", self._c("enc1", x))
        f2 = self._c("enc2b", self._c("enc2", f1))
        f3 = self._c("enc3b", self._c("enc3", f2))
        f4 = self._c("enc4b", self._c("enc4", f3))
        return [f1, f2, f3, f4]

    def _warp_pair(self, head: torch.Tensor, f0: torch.Tensor, f1: torch.Tensor, scale: int,
                   aux: dict | None = None, coarse: torch.Tensor | None = None) -> torch.Tensor:
        k, taps, kk = self.kernels[scale], self.taps[scale], self.n_taps[scale]
        o0, o1, l0, l1, m = torch.split(head, [2 * kk, 2 * kk, kk, kk, 1], dim=1)
        o0, o1 = OFFSET_SCALE * o0, OFFSET_SCALE * o1
        if coarse is not None:  # [N,4,H,W]: the coarse flow to t0 (x, y) and t1, in this scale's pixels
            n, _, h, w = o0.shape
            sz = coarse.shape[-2:]
            o0 = (o0.float().view(n, kk, 2, *sz) + coarse[:, None, 0:2]).view(n, 2 * kk, h, w)
            o1 = (o1.float().view(n, kk, 2, *sz) + coarse[:, None, 2:4]).view(n, 2 * kk, h, w)
        w0 = deformable_warp(f0, o0, l0, k, taps)
        w1 = deformable_warp(f1, o1, l1, k, taps)
        if aux is not None:  # training/pruning only: mean displacements (flow warm-up) and tap weights
            aux["displacement"].append(torch.stack([mean_displacement(o0, l0, k, taps),
                                                    mean_displacement(o1, l1, k, taps)], 1))
            aux["tap_weight"].append(0.5 * (torch.softmax(l0.float(), 1) + torch.softmax(l1.float(), 1))
                                     .mean((0, 2, 3)).detach())
        mask = torch.sigmoid(m)
        return mask * w0 + (1 - mask) * w1

    def forward(self, frames: torch.Tensor, return_aux: bool = False):
        """frames [N,4,3,H,W] (H, W multiples of `size_multiple`) -> middle of frames 1 and 2, [N,3,H,W].

        With `return_aux`, also a dict with, for the 0.5x, 1x and 2x heads: "displacement", the mean
        sampling displacement into t0 and t1, [N,2 (t0,t1),2 (x,y),H_s,W_s] in that scale's pixels, and
        "tap_weight", each kept tap's mean softmax weight [K] (what tap pruning ranks by).
        """
        n, t, _, h, w = frames.shape
        feats = self._encode(frames.reshape(n * t, 3, h, w))
        f1, f2, f3, f4 = (f.reshape(n, -1, *f.shape[-2:]) for f in feats)  # 4 frames' channels concatenated
        if self.corr:
            e4, e3 = (feats[i].reshape(n, t, -1, *feats[i].shape[-2:]) for i in (3, 2))
            f4 = torch.cat([f4, symmetric_correlation(e4[:, 1], e4[:, 2], CORR_RADII[0], self._corr_norm[0])], 1)
            f3 = torch.cat([f3, symmetric_correlation(e3[:, 1], e3[:, 2], CORR_RADII[1], self._corr_norm[1])], 1)
        d4 = self._c("dec4b", self._c("dec4", f4))
        d3 = self._c("dec3b", self._c("dec3", [_up(d4, f3.shape[-2:]), f3]))
        d2 = self._c("dec2b", self._c("dec2", [_up(d3, f2.shape[-2:]), f2]))
        bm = motion_prior(frames[:, 1], frames[:, 2], self.prior) if self.bm_prior else None
        d1 = self._c("dec1b", self._c("dec1", [_up(d2, f1.shape[-2:]), f1] + ([bm] if self.bm_prior else [])))

        i0, i1 = frames[:, 1], frames[:, 2]
        half0, half1 = F.avg_pool2d(i0, 2), F.avg_pool2d(i1, 2)
        aux = {"displacement": [], "tap_weight": []} if return_aux else None
        coarse = [None] * 3
        if self.coarse_flow or self.bm_prior:
            flow = frames.new_zeros((n, 4, h, w), dtype=torch.float32)
            if self.coarse_flow:
                with torch.autocast(device_type=frames.device.type, enabled=False):
                    flow = flow + _up(COARSE_SCALE * self.convs["flow_out"](d3.float()), (h, w))  # full-res pixels
            if self.bm_prior:
                flow = flow + torch.cat([-bm[:, :2], bm[:, :2]], 1)
            coarse = [F.avg_pool2d(flow, 2) * 0.5, flow, _up(flow, (2 * h, 2 * w)) * 2.0]
        warp_h = self._warp_pair(self._c("head_h_out", self._c("head_h", d2), act=False), half0, half1, 0, aux,
                                 coarse[0])
        warp_1 = self._warp_pair(self._c("head_1_out", self._c("head_1", d1), act=False), i0, i1, 1, aux, coarse[1])
        head_2 = F.pixel_shuffle(self._c("head_2_out", self._c("head_2", d1), act=False), 2)
        dbl0, dbl1 = (_up(x, (2 * h, 2 * w)) for x in (i0, i1))
        # offsets at 2x are in 2x pixels; pixel shuffle keeps their meaning per output position
        warp_2 = self._warp_pair(head_2, dbl0, dbl1, 2, aux, coarse[2])

        g0 = self._c("grid0_in", [warp_1, F.pixel_unshuffle(warp_2, 2), d1])
        g1 = self._c("grid1_in", [warp_h, d2])
        g2 = self._c("grid2_in", d3)
        g0 = self._lateral(0, 0, g0)
        g1 = self._lateral(1, 0, g1 + self._c("grid_down01", g0))
        g2 = self._lateral(2, 0, g2 + self._c("grid_down12", g1))
        g2 = self._lateral(2, 1, g2)
        g1 = self._lateral(1, 1, g1 + self._c("grid_up21", _up(g2, g1.shape[-2:])))
        g0 = self._lateral(0, 1, g0 + self._c("grid_up10", _up(g1, g0.shape[-2:])))
        if self.mix:
            pi = torch.softmax(self._c("mix_out", d1, act=False).float(), dim=1)
            base = pi[:, 0:1] * _up(warp_h, (h, w)) + pi[:, 1:2] * warp_1 + pi[:, 2:3] * F.avg_pool2d(warp_2, 2)
        else:
            base = warp_1
        stage1 = base + self._c("grid_out", g0, act=False)

        clip = torch.stack([frames[:, 0], i0, stage1, i1, frames[:, 3]], dim=2)  # [N,3,5,H,W]
        s1 = self._c("s3d1b", self._c("s3d1", clip))
        s2 = self._c("s3d2b", self._c("s3d2", s1))
        s3 = self._c("s3d3", s2)
        u2 = self._c("s3du2", [F.interpolate(s3, size=s2.shape[-3:], mode="nearest"), s2])  # T 3
        u1 = self._c("s3du1", [F.interpolate(u2, size=(3, *s1.shape[-2:]), mode="nearest"),
                               s1[:, :, 1:4]])  # T 1: the stage-I time step
        residual = self._c("s3d_out", u1, act=False)[:, :, 0]
        out = stage1 + residual
        return (out, aux) if return_aux else out

    def _lateral(self, row: int, i: int, x: torch.Tensor) -> torch.Tensor:
        y = self._c(f"grid{row}_lat{i}b", self._c(f"grid{row}_lat{i}a", x), act=False)
        return x + y


@register_arch("vfi_stmfnet")
def build_vfi_net(**config) -> VFINet:
    """Registry builder; the card's config holds `VFINet`'s keywords: the widths (teacher: base only; student: a
    pruned plan), the kernel size (one for all scales, or `kernels` per scale), whether Stage I mixes its
    candidates, the taps a pruned net kept, and which motion prior it reads."""
    return VFINet(**config)
