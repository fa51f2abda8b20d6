package mae

import (
	"strings"
	"testing"
)

// handCount counts parameters from the architecture, independently of the
// layout code.
func handCount(c Config) (trainable, fixed int) {
	block := func(d, hidden int) int {
		return 2*d + // norm1
			3*d*d + 3*d + // attn.qkv
			d*d + d + // attn.proj
			2*d + // norm2
			hidden*d + hidden + // mlp.fc1
			d*hidden + d // mlp.fc2
	}
	d, dd, pd := c.EncDim, c.DecDim, c.PatchDim()
	enc := d*pd + d + d + c.EncDepth*block(d, c.EncMLPDim()) + 2*d
	dec := dd*d + dd + dd + c.DecDepth*block(dd, c.DecMLPDim()) + 2*dd + pd*dd + pd
	return enc + dec, (c.NumPatches() + 1) * (d + dd)
}

func TestParamCountViTB16(t *testing.T) {
	// The reference mae_vit_base_patch16 has 111,907,840 parameters in its
	// state dict, of which the two fixed sin-cos tables hold
	// 197·768 + 197·512 = 252,160.
	c, _ := Preset("vit-b16")
	l, err := NewLayout(c)
	if err != nil {
		t.Fatal(err)
	}
	tr, fx := l.Count()
	if tr+fx != 111_907_840 || fx != 252_160 || tr != 111_655_680 {
		t.Errorf("vit-b16: trainable %d + fixed %d = %d, want 111,655,680 + 252,160 = 111,907,840", tr, fx, tr+fx)
	}
}

func TestParamCountAllPresets(t *testing.T) {
	for _, name := range PresetNames() {
		c, _ := Preset(name)
		l, err := NewLayout(c)
		if err != nil {
			t.Fatal(err)
		}
		tr, fx := l.Count()
		wt, wf := handCount(c)
		if tr != wt || fx != wf {
			t.Errorf("%s: count %d/%d, hand count %d/%d", name, tr, fx, wt, wf)
		}
	}
}

func TestLayoutStructure(t *testing.T) {
	c, _ := Preset("tiny")
	l, _ := NewLayout(c)
	end, seenFixed := 0, false
	for _, tn := range l.Tensors {
		if tn.Offset%ParamAlign != 0 || tn.Offset < end {
			t.Errorf("%s at %d: misaligned or overlapping (previous end %d)", tn.Name, tn.Offset, end)
		}
		end = tn.Offset + tn.Len()
		if tn.Trainable {
			if seenFixed || end > l.TrainableLen {
				t.Errorf("trainable %s outside the trainable prefix", tn.Name)
			}
		} else {
			seenFixed = true
			if tn.Offset < l.TrainableLen {
				t.Errorf("fixed %s inside the trainable prefix", tn.Name)
			}
		}
		wantDecay := tn.Trainable && len(tn.Shape) > 1 && !strings.HasSuffix(tn.Name, ".bias")
		if tn.WeightDecay != wantDecay {
			t.Errorf("%s: WeightDecay %v", tn.Name, tn.WeightDecay)
		}
	}
	if end > l.Len {
		t.Errorf("last tensor ends at %d > Len %d", end, l.Len)
	}
	for name, want := range map[string]struct {
		shape []int
		decay bool
	}{
		"cls_token":                       {[]int{1, 1, 128}, true},
		"mask_token":                      {[]int{1, 1, 64}, true},
		"pos_embed":                       {[]int{1, 50, 128}, false},
		"decoder_pos_embed":               {[]int{1, 50, 64}, false},
		"patch_embed.proj.weight":         {[]int{128, 1, 4, 4}, true},
		"patch_embed.proj.bias":           {[]int{128}, false},
		"blocks.3.attn.qkv.weight":        {[]int{384, 128}, true},
		"blocks.0.norm1.weight":           {[]int{128}, false},
		"blocks.0.mlp.fc1.weight":         {[]int{512, 128}, true},
		"blocks.0.mlp.fc2.weight":         {[]int{128, 512}, true},
		"decoder_embed.weight":            {[]int{64, 128}, true},
		"decoder_blocks.1.attn.proj.bias": {[]int{64}, false},
		"decoder_pred.weight":             {[]int{16, 64}, true},
		"norm.bias":                       {[]int{128}, false},
	} {
		tn, ok := l.Lookup(name)
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if !equalInts(tn.Shape, want.shape) || tn.WeightDecay != want.decay {
			t.Errorf("%s: shape %v decay %v, want %v %v", name, tn.Shape, tn.WeightDecay, want.shape, want.decay)
		}
	}
	if _, ok := l.Lookup("blocks.4.norm1.weight"); ok {
		t.Error("tiny has only 4 encoder blocks")
	}
	mask := l.DecayMask()
	qkv, _ := l.Lookup("blocks.0.attn.qkv.weight")
	bias, _ := l.Lookup("blocks.0.attn.qkv.bias")
	if len(mask) != l.TrainableLen || !mask[qkv.Offset+qkv.Len()-1] || mask[bias.Offset] || mask[qkv.Offset+qkv.Len()] {
		t.Error("decay mask does not follow the tensors")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPackUnpack(t *testing.T) {
	c, _ := Preset("micro")
	p, _ := Init(c, 3)
	m := p.Float64()
	flat := p.Layout.Pack(m)
	for i, v := range p.Data {
		if float64(v) != flat[i] {
			t.Fatalf("Pack(Float64()) differs from Data at %d", i)
		}
	}
	v := p.View("norm.weight")
	v[0] = 7
	if p.Float64()["norm.weight"][0] != 7 {
		t.Error("View does not share Data")
	}
}

func TestConvPatchOrder(t *testing.T) {
	d, c, p := 2, 3, 2
	w := make([]float64, d*c*p*p)
	for i := range w {
		w[i] = float64(i)
	}
	got := ConvToPatchOrder(w, d, c, p)
	// Output 1, patch element (r=1, q=0, c=2) comes from w[1, 2, 1, 0].
	if want := w[((1*c+2)*p+1)*p+0]; got[1*p*p*c+(1*p+0)*c+2] != want {
		t.Errorf("ConvToPatchOrder element = %v, want %v", got[1*p*p*c+(1*p+0)*c+2], want)
	}
	back := PatchToConvOrder(got, d, c, p)
	for i := range w {
		if back[i] != w[i] {
			t.Fatalf("PatchToConvOrder∘ConvToPatchOrder differs at %d", i)
		}
	}
	f32 := ConvToPatchOrder([]float32{0, 1, 2, 3, 4, 5, 6, 7}, 1, 2, 2)
	if want := []float32{0, 4, 1, 5, 2, 6, 3, 7}; f32[1] != want[1] || f32[6] != want[6] {
		t.Errorf("float32 permutation = %v, want %v", f32, want)
	}
}
