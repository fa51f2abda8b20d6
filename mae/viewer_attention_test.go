package mae

import (
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// TestDecoderAttentionProbsReproduceAttention checks the probabilities
// against what the device's fused attention computed in the same forward
// pass: for every head, Σ_j P[h][j] · v_h(j) must equal the saved attention
// output o_h(query) (within 1e-4 of its largest magnitude), and every row
// must sum to 1.
func TestDecoderAttentionProbsReproduceAttention(t *testing.T) {
	cfg, err := Preset("micro")
	if err != nil {
		t.Fatal(err)
	}
	cfg.DecHeads = 2
	p, err := Init(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2
	rng := NewRNG(3)
	images := randomImages(cfg, n, rng)
	mk := RandomMasking(cfg, n, rng)
	m, in := gpuModel(t, p, n)
	if err := m.SetBatch(in, images, mk); err != nil {
		t.Fatal(err)
	}
	runRecording(t, m, func(r *vk.Recording) error { return m.RecordForward(r, in) })
	sh := m.acts.dec
	d, dh := sh.d, sh.d/sh.h
	for _, c := range []struct{ sample, layer, query int }{{0, 0, 0}, {1, sh.depth - 1, 5}, {1, 0, sh.s - 1}} {
		probs, err := m.DecoderAttentionProbs(c.sample, c.layer, c.query)
		if err != nil {
			t.Fatal(err)
		}
		qkv := make([]float32, sh.s*3*d)
		if err := m.acts.decB[c.layer].qkv.ReadFloat32(c.sample*sh.s*3*d, qkv); err != nil {
			t.Fatal(err)
		}
		o := make([]float32, d)
		if err := m.acts.decB[c.layer].o.ReadFloat32((c.sample*sh.s+c.query)*d, o); err != nil {
			t.Fatal(err)
		}
		big := 0.0
		for _, v := range o {
			big = math.Max(big, math.Abs(float64(v)))
		}
		for hd, pr := range probs {
			sum := 0.0
			for _, v := range pr {
				sum += v
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Errorf("%+v head %d: probabilities sum to %v", c, hd, sum)
			}
			for e := range dh {
				var want float64
				for j, pj := range pr {
					want += pj * float64(qkv[j*3*d+2*d+hd*dh+e])
				}
				got := float64(o[hd*dh+e])
				if math.Abs(got-want) > 1e-4*big {
					t.Errorf("%+v head %d dim %d: attention output %v, P·V gives %v", c, hd, e, got, want)
				}
			}
		}
	}
}
