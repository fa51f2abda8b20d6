package mae

import (
	"fmt"
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// TestTapAttentionProbs checks the analysis attention path: for every
// encoder and decoder block, the probabilities Tap returns, multiplied by
// the V the block computed, give the fused attention kernel's output; each
// row is a distribution. The shapes are awkward on purpose (3 heads of 4,
// an odd number of samples).
func TestTapAttentionProbs(t *testing.T) { checkTapAttentionProbs(t, ops.FP32, 1e-4) }

// TestTapAttentionProbsHalf is TestTapAttentionProbs in bf16, where qkv and
// the attention output are stored 16-bit: Tap and QKV widen the qkv the
// kernel read, so P·V differs from the fused output by its one rounding to
// bf16 (2⁻⁸ relative) on top of the fp32 tolerance.
func TestTapAttentionProbsHalf(t *testing.T) {
	checkTapAttentionProbs(t, ops.BF16, math.Pow(2, -8)+1e-4)
}

// checkTapAttentionProbs runs TestTapAttentionProbs's check on a model in
// precision prec, P·V against the fused output within relative error tol.
func checkTapAttentionProbs(t *testing.T, prec ops.Precision, tol float64) {
	cfg, _ := Preset("micro")
	cfg.PatchSize, cfg.EncDim, cfg.EncHeads, cfg.DecDim, cfg.DecHeads, cfg.DecDepth = 4, 24, 3, 12, 3, 2
	p, err := Init(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3
	m, in := gpuModelPrecision(t, p, n, prec)
	rng := NewRNG(9)
	mk := RandomMasking(cfg, n, rng)
	taps, err := m.Tap(in, randomImages(cfg, n, rng), mk, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(taps.Enc) != cfg.EncDepth+1 || len(taps.Dec) != cfg.DecDepth+1 || len(taps.EncAttn) != cfg.EncDepth || len(taps.DecAttn) != cfg.DecDepth {
		t.Fatalf("taps: %d enc, %d dec, %d enc attn, %d dec attn", len(taps.Enc), len(taps.Dec), len(taps.EncAttn), len(taps.DecAttn))
	}
	check := func(dec bool, i int, probs []float32, s, h, d int) {
		t.Helper()
		qkv, err := m.QKV(dec, i)
		if err != nil {
			t.Fatal(err)
		}
		fused, err := m.AttentionOut(dec, i)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for b := range n {
			for hd := range h {
				for q := range s {
					row := probs[((b*h+hd)*s+q)*s:][:s]
					sum := 0.0
					for _, v := range row {
						sum += float64(v)
					}
					if !(math.Abs(sum-1) < 1e-4) {
						t.Fatalf("dec=%v block %d: row sums to %v", dec, i, sum)
					}
					for e := range d {
						got := 0.0
						for k, pk := range row {
							got += float64(pk) * float64(qkv[((b*s+k)*3+2)*h*d+hd*d+e])
						}
						want := float64(fused[(b*s+q)*h*d+hd*d+e])
						err := math.Abs(got-want) / (math.Abs(want) + 1e-2)
						if !(err <= worst) {
							worst = err
						}
					}
				}
			}
		}
		if !(worst < tol) {
			t.Errorf("dec=%v block %d: P·V vs fused output: worst relative error %.3g", dec, i, worst)
		}
	}
	for i, pr := range taps.EncAttn {
		check(false, i, pr, 1+cfg.KeepCount(), cfg.EncHeads, cfg.EncDim/cfg.EncHeads)
	}
	for i, pr := range taps.DecAttn {
		check(true, i, pr, 1+cfg.NumPatches(), cfg.DecHeads, cfg.DecDim/cfg.DecHeads)
	}
}

// gpuModelPrecision is gpuModel computing in precision prec; it skips the
// test where the device cannot run prec.
func gpuModelPrecision(t *testing.T, p *Params, n int, prec ops.Precision) (*Model, *Inputs) {
	t.Helper()
	d := vktest.Open(t)
	if !prec.Supported(d.Info) {
		t.Skipf("%s cannot run %v", d.Info.Name, prec)
	}
	m, err := NewModelPrecision(ops.New(d), p.Config, n, prec)
	return readyModel(t, m, err, p)
}

// TestIdentityMasking checks that the unmasked forward pass keeps every
// patch in image order.
func TestIdentityMasking(t *testing.T) {
	mk := IdentityMasking(2, 5)
	for i, v := range mk.IDsKeep {
		if int(v) != i%5 || mk.Mask[i] != 0 || int(mk.IDsRestore[i]) != i%5 {
			t.Fatalf("IdentityMasking: entry %d keep %d restore %d mask %v", i, v, mk.IDsRestore[i], mk.Mask[i])
		}
	}
}

// TestUnmaskedEncodeMatchesReference checks the unmasked forward pass
// (NewUnmaskedModel + IdentityMasking + Encode) against the CPU
// reference's encoder run on all L patches, on an awkward shape.
func TestUnmaskedEncodeMatchesReference(t *testing.T) {
	cfg, _ := Preset("micro")
	cfg.PatchSize, cfg.EncDim, cfg.EncHeads, cfg.EncDepth = 4, 36, 3, 2
	p, err := Init(cfg, 21)
	if err != nil {
		t.Fatal(err)
	}
	// Non-zero biases and LayerNorm weights, so that every term counts.
	rng := NewRNG(22)
	for i := range p.Data {
		if p.Data[i] == 0 || p.Data[i] == 1 {
			p.Data[i] += float32(0.05 * rng.Normal())
		}
	}
	const n = 3
	d := vktest.Open(t)
	m, err := NewUnmaskedModel(ops.New(d), cfg, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Release)
	if err := m.SetParams(p); err != nil {
		t.Fatal(err)
	}
	in, err := m.NewInputs()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Release)
	images := randomImages(cfg, n, rng)
	l, D := cfg.NumPatches(), cfg.EncDim
	got, err := m.Encode(in, images, IdentityMasking(n, l))
	if err != nil {
		t.Fatal(err)
	}
	// The reference's encoder with every patch kept.
	r := &refNet{cfg: cfg, p: p.Float64()}
	img := make([]float64, len(images))
	for i, v := range images {
		img[i] = float64(v)
	}
	pos := r.param("pos_embed")
	patches := ops.PatchifyRef(img, n, cfg.Channels, cfg.ImageSize, cfg.ImageSize, cfg.PatchSize)
	w := ConvToPatchOrder(r.param("patch_embed.proj.weight"), D, cfg.Channels, cfg.PatchSize)
	emb := ops.BroadcastAddRef(linearForward(patches, w, r.param("patch_embed.proj.bias"), n*l, cfg.PatchDim(), D), pos[D:], n, l, D)
	x := prependClass(ops.AddRef(r.param("cls_token"), pos[:D]), emb, n, l, D)
	sh := blockShape{n: n, t: 1 + l, dim: D, heads: cfg.EncHeads, hidden: cfg.EncMLPDim()}
	for i := range cfg.EncDepth {
		x, _ = r.blockForward(fmt.Sprintf("blocks.%d.", i), sh, x)
	}
	want, _ := r.layerNorm("norm", x, n*(1+l), D)
	if len(got) != len(want) {
		t.Fatalf("%d latent values, want %d", len(got), len(want))
	}
	if e := scaledMaxErr(got, want); !(e < 1e-4) {
		t.Errorf("unmasked latent vs reference: scaled max error %.3g", e)
	}
}
