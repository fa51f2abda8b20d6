package finetune

import (
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/vk"
)

func TestGroupsScales(t *testing.T) {
	cfg, _ := mae.Preset("micro") // depth 2: layers 0..3
	l, err := NewLayout(cfg, 10)
	if err != nil {
		t.Fatal(err)
	}
	gs := Groups(l, cfg.EncDepth, 0.5)
	want := []float64{0.125, 0.25, 0.5, 1}
	if len(gs) != len(want) {
		t.Fatalf("%d groups, want %d", len(gs), len(want))
	}
	for i, g := range gs {
		if g.Layer != i || g.LRScale != want[i] {
			t.Errorf("group %d: layer %d scale %g, want layer %d scale %g", i, g.Layer, g.LRScale, i, want[i])
		}
	}
	for _, name := range []string{"cls_token", "pos_embed", "fc_norm.weight", "head.bias", "blocks.0.norm1.weight"} {
		if tn, _ := l.Lookup(name); tn.WeightDecay {
			t.Errorf("%s is decayed; the reference excludes it", name)
		}
	}
	for _, name := range []string{"patch_embed.proj.weight", "blocks.1.attn.qkv.weight", "head.weight"} {
		if tn, _ := l.Lookup(name); !tn.WeightDecay {
			t.Errorf("%s is not decayed", name)
		}
	}
}

// TestLayerDecayAppliedLR runs one real update on the device and reads
// back, for every tensor, the learning rate it actually got: at AdamW's
// first step (no weight decay, ε negligible) each element moves by
// lr·g/(|g| + ε) = lr·sign(g), so lr = −Δp / sign(g). It must be
// base·0.75^(depth + 1 − layer id) for each tensor.
func TestLayerDecayAppliedLR(t *testing.T) {
	tc := testCases(t)[0]
	p := testParams(t, tc.cfg, tc.classes, 9)
	images, targets, _ := testBatch(tc.cfg, tc.classes, tc.n, 12, false)
	m := newTestModel(t, tc, p, false)
	in, err := m.NewInputs()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetBatch(in, images, targets); err != nil {
		t.Fatal(err)
	}
	const base = 1e-3
	if err := m.SetHyper(in, base, 0.9, 0.999, 1, 0); err != nil {
		t.Fatal(err)
	}
	run(t, m, func(r *vk.Recording) error {
		if err := m.RecordForward(r, in); err != nil {
			return err
		}
		if err := m.RecordBackward(r); err != nil {
			return err
		}
		return m.RecordUpdate(r, in, 0.9, 0.999, 1e-12, 0)
	})
	after, err := m.Params()
	if err != nil {
		t.Fatal(err)
	}
	grads, err := m.Grads()
	if err != nil {
		t.Fatal(err)
	}
	depth := tc.cfg.EncDepth
	for _, tn := range m.Layout.Tensors {
		want := base * math.Pow(0.75, float64(depth+1-LayerID(tn.Name, depth)))
		lrSum, k := 0.0, 0
		for i := tn.Offset; i < tn.Offset+tn.Len(); i++ {
			g := float64(grads[i])
			if math.Abs(g) < 1e-6 {
				continue
			}
			lrSum += -(float64(after.Data[i]) - float64(p.Data[i])) / math.Copysign(1, g)
			k++
		}
		if k == 0 {
			t.Errorf("%s: no element with a gradient", tn.Name)
			continue
		}
		if got := lrSum / float64(k); !(math.Abs(got-want) <= 1e-3*want) {
			t.Errorf("%s (layer %d): applied lr %.6g, want %.6g", tn.Name, LayerID(tn.Name, depth), got, want)
		}
	}
}
