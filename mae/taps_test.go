package mae

import (
	"math"
	"testing"
)

// TestTapAttentionProbs checks the analysis attention path: for every
// encoder and decoder block, the probabilities Tap returns, multiplied by
// the V the block computed, give the fused attention kernel's output; each
// row is a distribution. The shapes are awkward on purpose (3 heads of 4,
// an odd number of samples).
func TestTapAttentionProbs(t *testing.T) {
	cfg, _ := Preset("micro")
	cfg.PatchSize, cfg.EncDim, cfg.EncHeads, cfg.DecDim, cfg.DecHeads, cfg.DecDepth = 4, 24, 3, 12, 3, 2
	p, err := Init(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3
	m, in := gpuModel(t, p, n)
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
		if !(worst < 1e-4) {
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
