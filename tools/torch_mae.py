#!/usr/bin/env python3
"""A self-contained PyTorch Masked Autoencoder for side-by-side comparison with mae-vk.

The model is functionally the reference MaskedAutoencoderViT (He et al. 2021,
facebookresearch/mae models_mae.py) with the same state-dict names and shapes
as mae-vk's mae/params.go, written from the model's description:

  * patch_embed.proj: Conv2d(C, D, p, stride p) with bias; cls_token [1,1,D];
    fixed 2-D sin-cos pos_embed [1, L+1, D] (first half of the channels encode
    the patch column, the second half the row; the cls row is zeros);
  * encoder blocks.N.{norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}:
    pre-norm, LayerNorm eps 1e-6, exact GELU, MLP ratio 4, qkv with bias;
  * norm, decoder_embed, mask_token, decoder_pos_embed, decoder_blocks.N.*,
    decoder_norm, decoder_pred (Dd -> p*p*C);
  * random masking by argsort of uniform noise, keeping int(L*(1-ratio));
  * MSE loss on the masked patches, optionally on per-patch normalised pixels
    (mean and unbiased variance, +1e-6), which mae-vk's presets turn on.

Runs on PyTorch 1.13 (explicit softmax attention) and 2.x
(torch.nn.functional.scaled_dot_product_attention).

Commands:
  bench   time training steps (forward + backward + AdamW) on random inputs
  params  print the parameter counts of a preset
  export  write the initialised state dict as raw float32 .bin files + manifest.json
  op      time one GEMM or attention at the shapes of mae-vk's bench gemm/attention

Examples:
  python3 tools/torch_mae.py bench --preset tiny --batch 256 --steps 20 --device cpu --threads 2 --json
  python3 tools/torch_mae.py bench --preset vit-b16 --batch 64 --device cuda --amp --json
  python3 tools/torch_mae.py params --preset vit-b16
  python3 tools/torch_mae.py export --preset micro --out /tmp/micro-init
  python3 tools/torch_mae.py op gemm --m 3328 --n 384 --k 128 --trans-b --device cuda --json
  python3 tools/torch_mae.py op attention --batch 256 --heads 12 --len 50 --head-dim 64 --backward --device cuda --json
"""

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

# libgomp reads this once, when torch loads it. With the default (active
# spin-waiting) OpenMP and OpenBLAS threads fight over the cores and a CPU
# step was ~10x slower on a 2-core machine; it does not matter on CUDA.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - reported to the user
    sys.stderr.write(
        "torch_mae.py: PyTorch is not installed; on Debian: "
        "apt-get install python3-torch libopenblas0-pthread\n")
    sys.exit(2)

# name: (image, channels, patch, enc dim, enc depth, enc heads, dec dim, dec depth, dec heads)
# Must match mae/config.go Preset.
PRESETS = {
    "micro": (28, 1, 7, 64, 2, 2, 32, 1, 2),
    "tiny": (28, 1, 4, 128, 4, 4, 64, 2, 2),
    "vit-b16": (224, 3, 16, 768, 12, 12, 512, 8, 16),
    "vit-l16": (224, 3, 16, 1024, 24, 16, 512, 8, 16),
    "vit-h14": (224, 3, 14, 1280, 32, 16, 512, 8, 16),
}

HAVE_SDPA = hasattr(F, "scaled_dot_product_attention")


# ---------------------------------------------------------------------------
# Fixed 2-D sine-cosine position embedding (computed in float64, as numpy does)


def sincos_1d(dim, pos):
    """[len(pos), dim]: dim/2 sines then dim/2 cosines of pos*omega_k,
    omega_k = 1 / 10000**(k / (dim/2))."""
    assert dim % 2 == 0
    k = torch.arange(dim // 2, dtype=torch.float64) / (dim / 2.0)
    omega = 1.0 / (10000.0 ** k)
    out = pos.reshape(-1, 1).to(torch.float64) * omega.reshape(1, -1)
    return torch.cat([torch.sin(out), torch.cos(out)], dim=1)


def sincos_2d(dim, grid, cls_token=True):
    """[grid*grid (+1), dim]; token t = row*grid + col gets
    [emb1d(col) | emb1d(row)], and the cls row (first) is zeros."""
    assert dim % 4 == 0
    idx = torch.arange(grid * grid)
    col, row = idx % grid, idx // grid
    emb = torch.cat([sincos_1d(dim // 2, col), sincos_1d(dim // 2, row)], dim=1)
    if cls_token:
        emb = torch.cat([torch.zeros(1, dim, dtype=torch.float64), emb], dim=0)
    return emb


# ---------------------------------------------------------------------------
# Model


class PatchEmbed(nn.Module):
    def __init__(self, img, patch, chans, dim):
        super().__init__()
        self.num_patches = (img // patch) ** 2
        self.proj = nn.Conv2d(chans, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # [N, L, D]


class Attention(nn.Module):
    def __init__(self, dim, heads, use_sdpa=True):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.scale = self.head_dim ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)
        self.use_sdpa = use_sdpa and HAVE_SDPA

    def forward(self, x):
        n, t, d = x.shape
        qkv = self.qkv(x).reshape(n, t, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # [N, H, T, hd]
        if self.use_sdpa:
            o = F.scaled_dot_product_attention(q, k, v)
        else:
            a = (q @ k.transpose(-2, -1)) * self.scale
            a = a.softmax(dim=-1)
            o = a @ v
        return self.proj(o.transpose(1, 2).reshape(n, t, d))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()  # exact (erf) GELU
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio=4.0, eps=1e-6, use_sdpa=True):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, heads, use_sdpa)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class MaskedAutoencoderViT(nn.Module):
    def __init__(self, img_size=224, in_chans=3, patch_size=16,
                 embed_dim=1024, depth=24, num_heads=16,
                 decoder_embed_dim=512, decoder_depth=8, decoder_num_heads=16,
                 mlp_ratio=4.0, norm_pix_loss=False, mask_ratio=0.75,
                 eps=1e-6, use_sdpa=True):
        super().__init__()
        self.img_size, self.in_chans, self.patch_size = img_size, in_chans, patch_size
        self.norm_pix_loss = norm_pix_loss
        self.mask_ratio = mask_ratio
        grid = img_size // patch_size
        self.grid = grid
        L = grid * grid

        # encoder
        self.patch_embed = PatchEmbed(img_size, patch_size, in_chans, embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, L + 1, embed_dim), requires_grad=False)
        self.blocks = nn.ModuleList(
            [Block(embed_dim, num_heads, mlp_ratio, eps, use_sdpa) for _ in range(depth)])
        self.norm = nn.LayerNorm(embed_dim, eps=eps)

        # decoder
        self.decoder_embed = nn.Linear(embed_dim, decoder_embed_dim, bias=True)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, decoder_embed_dim))
        self.decoder_pos_embed = nn.Parameter(
            torch.zeros(1, L + 1, decoder_embed_dim), requires_grad=False)
        self.decoder_blocks = nn.ModuleList(
            [Block(decoder_embed_dim, decoder_num_heads, mlp_ratio, eps, use_sdpa)
             for _ in range(decoder_depth)])
        self.decoder_norm = nn.LayerNorm(decoder_embed_dim, eps=eps)
        self.decoder_pred = nn.Linear(decoder_embed_dim, patch_size ** 2 * in_chans, bias=True)

        self.initialize_weights()

    def initialize_weights(self):
        with torch.no_grad():
            self.pos_embed.copy_(sincos_2d(self.pos_embed.shape[-1], self.grid).float().unsqueeze(0))
            self.decoder_pos_embed.copy_(
                sincos_2d(self.decoder_pos_embed.shape[-1], self.grid).float().unsqueeze(0))
        # patch embedding: xavier-uniform on the [D, C*p*p] view; its bias keeps
        # nn.Conv2d's default U(+-1/sqrt(fan_in)).
        w = self.patch_embed.proj.weight.data
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))
        nn.init.normal_(self.cls_token, std=0.02)
        nn.init.normal_(self.mask_token, std=0.02)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)

    # patches ---------------------------------------------------------------

    def patchify(self, imgs):
        """[N, C, H, W] -> [N, L, p*p*C], each patch in (row, column, channel) order."""
        p, c = self.patch_size, self.in_chans
        n, h = imgs.shape[0], imgs.shape[2] // p
        w = imgs.shape[3] // p
        x = imgs.reshape(n, c, h, p, w, p).permute(0, 2, 4, 3, 5, 1)
        return x.reshape(n, h * w, p * p * c)

    def unpatchify(self, x):
        """[N, L, p*p*C] -> [N, C, H, W]."""
        p, c = self.patch_size, self.in_chans
        h = w = int(round(x.shape[1] ** 0.5))
        x = x.reshape(x.shape[0], h, w, p, p, c).permute(0, 5, 1, 3, 2, 4)
        return x.reshape(x.shape[0], c, h * p, w * p)

    # masking ---------------------------------------------------------------

    def random_masking(self, x, mask_ratio, noise=None):
        """Keep int(L*(1-mask_ratio)) tokens per sample chosen by argsort of
        uniform noise. Returns the kept tokens, the mask (0 kept, 1 removed)
        in original order, and ids_restore."""
        n, L, d = x.shape
        keep = int(L * (1 - mask_ratio))
        if noise is None:
            noise = torch.rand(n, L, device=x.device)
        ids_shuffle = torch.argsort(noise, dim=1)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        ids_keep = ids_shuffle[:, :keep]
        x_kept = torch.gather(x, 1, ids_keep.unsqueeze(-1).expand(-1, -1, d))
        mask = torch.ones(n, L, device=x.device)
        mask[:, :keep] = 0
        mask = torch.gather(mask, 1, ids_restore)
        return x_kept, mask, ids_restore

    # forward ---------------------------------------------------------------

    def forward_encoder(self, imgs, mask_ratio, noise=None):
        x = self.patch_embed(imgs) + self.pos_embed[:, 1:, :]
        x, mask, ids_restore = self.random_masking(x, mask_ratio, noise)
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x), mask, ids_restore

    def forward_decoder(self, x, ids_restore):
        x = self.decoder_embed(x)
        n, L = ids_restore.shape
        mask_tokens = self.mask_token.expand(n, L + 1 - x.shape[1], -1)
        x_ = torch.cat([x[:, 1:, :], mask_tokens], dim=1)
        x_ = torch.gather(x_, 1, ids_restore.unsqueeze(-1).expand(-1, -1, x.shape[2]))
        x = torch.cat([x[:, :1, :], x_], dim=1) + self.decoder_pos_embed
        for blk in self.decoder_blocks:
            x = blk(x)
        x = self.decoder_pred(self.decoder_norm(x))
        return x[:, 1:, :]

    def forward_loss(self, imgs, pred, mask):
        target = self.patchify(imgs)
        if self.norm_pix_loss:
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)  # unbiased, as the reference
            target = (target - mean) / (var + 1.0e-6) ** 0.5
        loss = ((pred - target) ** 2).mean(dim=-1)
        return (loss * mask).sum() / mask.sum()

    def forward(self, imgs, mask_ratio=None, noise=None):
        if mask_ratio is None:
            mask_ratio = self.mask_ratio
        latent, mask, ids_restore = self.forward_encoder(imgs, mask_ratio, noise)
        pred = self.forward_decoder(latent, ids_restore)
        # Under autocast pred is bf16/fp16; the loss is taken in the input's dtype.
        loss = self.forward_loss(imgs, pred.to(imgs.dtype), mask)
        return loss, pred, mask


def build(preset, norm_pix_loss=True, use_sdpa=True):
    if preset not in PRESETS:
        raise SystemExit("unknown preset %r (have %s)" % (preset, ", ".join(PRESETS)))
    img, c, p, d, depth, heads, dd, ddepth, dheads = PRESETS[preset]
    return MaskedAutoencoderViT(
        img_size=img, in_chans=c, patch_size=p, embed_dim=d, depth=depth, num_heads=heads,
        decoder_embed_dim=dd, decoder_depth=ddepth, decoder_num_heads=dheads,
        mlp_ratio=4.0, norm_pix_loss=norm_pix_loss, mask_ratio=0.75, eps=1e-6,
        use_sdpa=use_sdpa)


def param_groups(model, weight_decay):
    """timm's param_groups_weight_decay as main_pretrain.py uses it: no decay
    for 1-D tensors and biases; cls_token and mask_token (3-D) are decayed."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim <= 1 or name.endswith(".bias") else decay).append(p)
    return [{"params": no_decay, "weight_decay": 0.0},
            {"params": decay, "weight_decay": weight_decay}]


def count_params(model):
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    fixed = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    return trainable, fixed


# ---------------------------------------------------------------------------
# Commands


def cmd_params(args):
    m = build(args.preset)
    t, f = count_params(m)
    out = {"preset": args.preset, "trainable": t, "fixed": f, "total": t + f,
           "tensors": len(m.state_dict())}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print("%s: %d trainable + %d fixed = %d parameters in %d tensors"
              % (args.preset, t, f, t + f, out["tensors"]))
        if args.list:
            for name, v in m.state_dict().items():
                print("  %-40s %s" % (name, list(v.shape)))


def cmd_export(args):
    torch.manual_seed(args.seed)
    m = build(args.preset)
    os.makedirs(args.out, exist_ok=True)
    trainable = {n for n, p in m.named_parameters() if p.requires_grad}
    manifest = {"preset": args.preset, "seed": args.seed, "dtype": "float32",
                "byte_order": "little", "torch_version": torch.__version__, "tensors": []}
    for name, v in m.state_dict().items():
        fname = name + ".bin"
        arr = v.detach().to(torch.float32).contiguous().cpu()
        data = arr.numpy().astype("<f4", copy=False).tobytes() if _have_numpy() \
            else _float32_le_bytes(arr)
        with open(os.path.join(args.out, fname), "wb") as f:
            f.write(data)
        manifest["tensors"].append({"name": name, "shape": list(arr.shape), "file": fname,
                                    "trainable": name in trainable})
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print("wrote %d tensors to %s" % (len(manifest["tensors"]), args.out))


def _have_numpy():
    try:
        import numpy  # noqa: F401
        return True
    except ImportError:
        return False


def _float32_le_bytes(t):
    import array
    a = array.array("f", t.flatten().tolist())
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes()


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return "%s (%d cores)" % (line.split(":", 1)[1].strip(), os.cpu_count() or 0)
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _device(args):
    """The torch device of --device, with --threads and (on CUDA) --tf32 applied;
    exits when CUDA is asked for but absent."""
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("torch_mae.py: --device cuda but torch.cuda.is_available() is False")
        torch.backends.cuda.matmul.allow_tf32 = args.tf32
        torch.backends.cudnn.allow_tf32 = args.tf32
    return device


def cmd_bench(args):
    device = _device(args)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    torch.manual_seed(args.seed)

    model = build(args.preset, norm_pix_loss=not args.no_norm_pix, use_sdpa=not args.no_sdpa)
    model.to(device).train()
    trainable, fixed = count_params(model)
    lr = args.blr * args.batch / 256.0
    opt_kwargs = {}
    if args.fused and device.type == "cuda":
        opt_kwargs["fused"] = True
    try:
        opt = torch.optim.AdamW(param_groups(model, args.weight_decay), lr=lr,
                                betas=(0.9, 0.95), **opt_kwargs)
    except TypeError as e:
        raise SystemExit("torch_mae.py: --fused needs torch >= 2.0 (%s)" % e)
    if args.compile and not hasattr(torch, "compile"):
        raise SystemExit("torch_mae.py: --compile needs torch >= 2.0")
    step_model = torch.compile(model) if args.compile else model

    img, c = model.img_size, model.in_chans
    # Random "normalised" images: roughly what ImageNet-normalised inputs look like.
    imgs = torch.randn(args.batch, c, img, img, device=device)

    amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[args.amp_dtype]
    use_amp = args.amp
    scaler = None
    if use_amp and device.type == "cuda" and amp_dtype == torch.float16:
        scaler = torch.cuda.amp.GradScaler()

    def step():
        opt.zero_grad(set_to_none=True)
        if use_amp:
            with torch.autocast(device_type=device.type, dtype=amp_dtype):
                loss, _, _ = step_model(imgs)
        else:
            loss, _, _ = step_model(imgs)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            opt.step()
        return loss

    t0 = time.perf_counter()
    for _ in range(args.warmup):
        loss = step()
    _sync(device)
    warmup_s = time.perf_counter() - t0
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)

    # Timed steps. On CUDA the loop is not synchronised per step (the host
    # queues step k+1 while the GPU runs step k, as in real training and as
    # mae-vk's bench train does); CUDA events between steps give the per-step
    # times, one synchronize at the end the total. On CPU every op is
    # synchronous and wall time per step is exact.
    losses = []
    if device.type == "cuda":
        events = [torch.cuda.Event(enable_timing=True) for _ in range(args.steps + 1)]
        t_all = time.perf_counter()
        events[0].record()
        for k in range(args.steps):
            loss = step()
            events[k + 1].record()
            if args.record_loss:
                losses.append(loss.detach())
        torch.cuda.synchronize(device)
        total_s = time.perf_counter() - t_all
        times = [events[k].elapsed_time(events[k + 1]) / 1e3 for k in range(args.steps)]
        losses = [float(v) for v in losses]
    else:
        times = []
        t_all = time.perf_counter()
        for _ in range(args.steps):
            t0 = time.perf_counter()
            loss = step()
            times.append(time.perf_counter() - t0)
            if args.record_loss:
                losses.append(float(loss))
        total_s = time.perf_counter() - t_all
    final_loss = float(loss.detach())

    median_ms = statistics.median(times) * 1e3
    out = {
        "framework": "pytorch",
        "preset": args.preset,
        "batch": args.batch,
        "steps": args.steps,
        "warmup": args.warmup,
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda"
        else _cpu_name(),
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "amp": bool(use_amp),
        "amp_dtype": args.amp_dtype if use_amp else None,
        "tf32": bool(args.tf32) if device.type == "cuda" else None,
        "sdpa": bool(HAVE_SDPA and not args.no_sdpa),
        "compile": bool(args.compile),
        "fused_adamw": bool(opt_kwargs.get("fused", False)),
        "norm_pix_loss": not args.no_norm_pix,
        "params_trainable": trainable,
        "params_fixed": fixed,
        "lr": lr,
        "median_ms": round(median_ms, 3),
        "median_step_ms": round(median_ms, 3),
        "mean_ms": round(statistics.mean(times) * 1e3, 3),
        "min_ms": round(min(times) * 1e3, 3),
        "max_ms": round(max(times) * 1e3, 3),
        # as mae-vk's bench train: all timed images over the loop's wall time
        "images_per_second": round(args.batch * args.steps / total_s, 2),
        "images_per_second_median": round(args.batch / (median_ms / 1e3), 2),
        "total_s": round(total_s, 3),
        "warmup_s": round(warmup_s, 3),
        "final_loss": final_loss,
    }
    if device.type == "cuda":
        out["peak_memory_mib"] = round(torch.cuda.max_memory_allocated(device) / 2 ** 20, 1)
    if args.record_loss:
        out["losses"] = losses
    if not math.isfinite(final_loss):
        sys.stderr.write("torch_mae.py: warning: loss is %r\n" % final_loss)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print("%s batch %d on %s (torch %s, %d threads%s): median %.1f ms/step, "
              "%.1f images/s (loss %.4f)" % (
                  args.preset, args.batch, out["device_name"], torch.__version__,
                  out["threads"], ", AMP " + args.amp_dtype if use_amp else "",
                  median_ms, out["images_per_second"], final_loss))


# ---------------------------------------------------------------------------
# Single-op benchmarks at the shapes of mae-vk's `bench gemm` / `bench attention`


def _time_op(fn, device, budget_s):
    """Median seconds per call of fn: a warm-up, then groups of calls long
    enough (about 1 ms) that launch gaps do not count, until budget_s."""
    for _ in range(3):
        fn()
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(5):
        fn()
    _sync(device)
    est = max((time.perf_counter() - t0) / 5, 1e-7)
    inner = max(1, int(1e-3 / est))
    groups = []
    start = time.perf_counter()
    while len(groups) < 5 or (time.perf_counter() - start < budget_s and len(groups) < 200):
        if device.type == "cuda":
            e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            e0.record()
            for _ in range(inner):
                fn()
            e1.record()
            e1.synchronize()
            groups.append(e0.elapsed_time(e1) / 1e3 / inner)
        else:
            t = time.perf_counter()
            for _ in range(inner):
                fn()
            groups.append((time.perf_counter() - t) / inner)
    return statistics.median(groups), min(groups), len(groups) * inner


def _op_setup(args):
    device = _device(args)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[args.amp_dtype] if args.amp else torch.float32
    torch.manual_seed(0)
    return device, dtype


def _op_row(args, device, dtype, op, shape, flops, med, best, runs):
    return {
        "framework": "pytorch", "op": op, "shape": shape, "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else _cpu_name(),
        "torch_version": torch.__version__, "dtype": str(dtype).replace("torch.", ""),
        "tf32": bool(args.tf32) if device.type == "cuda" else None,
        "flops": flops, "median_ms": round(med * 1e3, 4), "min_ms": round(best * 1e3, 4),
        "gflops": round(flops / med / 1e9, 1), "runs": runs,
    }


def _print_rows(args, rows):
    if args.json:
        print(json.dumps(rows if len(rows) > 1 or args.op == "attention" else rows[0], indent=2))
    else:
        for r in rows:
            print("%s %s on %s (%s): median %.4f ms, %.1f GFLOP/s"
                  % (r["op"], r["shape"], r["device_name"], r["dtype"], r["median_ms"], r["gflops"]))


def cmd_op(args):
    device, dtype = _op_setup(args)
    rows = []
    if args.op == "gemm":
        m, n, k, nb = args.m, args.n, args.k, args.batch

        def mk(rows_, cols, trans):
            t = torch.randn(nb, cols, rows_, device=device, dtype=dtype).transpose(1, 2) if trans \
                else torch.randn(nb, rows_, cols, device=device, dtype=dtype)
            return t if nb > 1 else t[0]

        a = mk(m, k, args.trans_a)  # op(A): M x K
        b = mk(k, n, args.trans_b)  # op(B): K x N
        bias = torch.randn(n, device=device, dtype=dtype) if args.bias else None
        if bias is not None and nb == 1:
            fn = lambda: torch.addmm(bias, a, b)  # noqa: E731
        elif bias is not None:
            fn = lambda: torch.baddbmm(bias, a, b)  # noqa: E731
        else:
            fn = lambda: torch.matmul(a, b)  # noqa: E731
        med, best, runs = _time_op(fn, device, args.time)
        t = lambda x: "T" if x else "N"  # noqa: E731
        shape = "%dx%dx%d %s%s" % (m, n, k, t(args.trans_a), t(args.trans_b)) + (" x%d" % nb if nb > 1 else "")
        rows.append(_op_row(args, device, dtype, "gemm", shape, 2.0 * m * n * k * nb, med, best, runs))
    else:
        bsz, h, L, d = args.batch, args.heads, args.len, args.head_dim
        # packed qkv [B, L, 3, H, d] as the model's qkv Linear leaves it
        qkv = torch.randn(bsz, L, 3, h, d, device=device, dtype=dtype).permute(2, 0, 3, 1, 4)
        q, k_, v = [x.detach().requires_grad_(args.backward) for x in (qkv[0], qkv[1], qkv[2])]
        scale = d ** -0.5

        def attn():
            if HAVE_SDPA and not args.no_sdpa:
                return F.scaled_dot_product_attention(q, k_, v)
            a = (q @ k_.transpose(-2, -1)) * scale
            return a.softmax(dim=-1) @ v

        fwd_flops = 4.0 * bsz * h * L * L * d
        shape = "B%d H%d L%d d%d" % (bsz, h, L, d)
        with torch.no_grad():
            med, best, runs = _time_op(attn, device, args.time)
        rows.append(_op_row(args, device, dtype, "attention", shape, fwd_flops, med, best, runs))
        if args.backward:
            out = attn()
            dout = torch.randn_like(out)
            fn = lambda: torch.autograd.grad(out, (q, k_, v), dout, retain_graph=True)  # noqa: E731
            med, best, runs = _time_op(fn, device, args.time)
            rows.append(_op_row(args, device, dtype, "attention_bwd", shape, 2.5 * fwd_flops, med, best, runs))
    for r in rows:
        r["sdpa"] = bool(HAVE_SDPA and not getattr(args, "no_sdpa", False)) if r["op"].startswith("attention") else None
    _print_rows(args, rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd")
    sub.required = True

    b = sub.add_parser("bench", help="time training steps on random inputs")
    b.add_argument("--preset", default="tiny", choices=list(PRESETS))
    b.add_argument("--batch", type=int, default=256)
    b.add_argument("--steps", type=int, default=20, help="timed steps")
    b.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    b.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    b.add_argument("--amp", action="store_true", help="autocast (bf16 by default)")
    b.add_argument("--amp-dtype", default="bf16", choices=["bf16", "fp16"],
                   help="fp16 adds a GradScaler, as the reference's main_pretrain.py")
    b.add_argument("--tf32", action="store_true",
                   help="allow TF32 matmuls and convolutions on CUDA (off by default: true fp32)")
    b.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: default)")
    b.add_argument("--no-sdpa", action="store_true",
                   help="explicit softmax attention even where SDPA exists")
    b.add_argument("--no-norm-pix", action="store_true", help="plain pixel loss")
    b.add_argument("--fused", action="store_true", help="fused AdamW (CUDA, torch >= 2.0)")
    b.add_argument("--compile", action="store_true", help="torch.compile the model (torch >= 2.0)")
    b.add_argument("--blr", type=float, default=1.5e-4, help="base lr; lr = blr * batch / 256")
    b.add_argument("--weight-decay", type=float, default=0.05)
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--record-loss", action="store_true", help="include every step's loss")
    b.add_argument("--json", action="store_true")
    b.set_defaults(fn=cmd_bench)

    p = sub.add_parser("params", help="parameter counts of a preset")
    p.add_argument("--preset", default="tiny", choices=list(PRESETS))
    p.add_argument("--list", action="store_true", help="list every state-dict tensor")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_params)

    e = sub.add_parser("export", help="write the initial state dict as float32 .bin files")
    e.add_argument("--preset", default="micro", choices=list(PRESETS))
    e.add_argument("--out", required=True, help="folder for <name>.bin and manifest.json")
    e.add_argument("--seed", type=int, default=0)
    e.set_defaults(fn=cmd_export)

    o = sub.add_parser("op", help="time one GEMM or attention at a mae-vk bench shape")
    osub = o.add_subparsers(dest="op")
    osub.required = True
    g = osub.add_parser("gemm", help="C = op(A) op(B), as mae-vk bench gemm")
    g.add_argument("--m", type=int, default=1024)
    g.add_argument("--n", type=int, default=1024)
    g.add_argument("--k", type=int, default=1024)
    g.add_argument("--batch", type=int, default=1)
    g.add_argument("--trans-a", action="store_true", help="A is stored K x M")
    g.add_argument("--trans-b", action="store_true", help="B is stored N x K")
    g.add_argument("--bias", action="store_true")
    at = osub.add_parser("attention", help="softmax(Q K^T / sqrt(d)) V, as mae-vk bench attention")
    at.add_argument("--batch", type=int, default=256)
    at.add_argument("--heads", type=int, default=12)
    at.add_argument("--len", type=int, default=50)
    at.add_argument("--head-dim", type=int, default=64)
    at.add_argument("--backward", action="store_true", help="time the backward too")
    at.add_argument("--no-sdpa", action="store_true")
    for q in (g, at):
        q.add_argument("--device", default="cpu")
        q.add_argument("--amp", action="store_true", help="bf16 (or --amp-dtype) operands")
        q.add_argument("--amp-dtype", default="bf16", choices=["bf16", "fp16"])
        q.add_argument("--tf32", action="store_true", help="allow TF32 (CUDA)")
        q.add_argument("--threads", type=int, default=0)
        q.add_argument("--time", type=float, default=1.0, help="seconds to spend measuring")
        q.add_argument("--json", action="store_true")
        q.set_defaults(fn=cmd_op)

    args = ap.parse_args(argv)
    if getattr(args, "batch", 1) < 1 or getattr(args, "steps", 1) < 1:
        ap.error("--batch and --steps must be at least 1")
    args.fn(args)


if __name__ == "__main__":
    main()
