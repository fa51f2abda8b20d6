package mae

import (
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/ops"
)

// gradCheckConfig is a micro-like model small enough for finite differences:
// 8×8 images with 2 channels, 4×4 patches (L = 4, P = 32), widths 8 with 2
// heads, 2 encoder blocks and 1 decoder block, half the patches masked.
func gradCheckConfig() Config {
	return Config{
		ImageSize: 8, Channels: 2, PatchSize: 4,
		EncDim: 8, EncDepth: 2, EncHeads: 2,
		DecDim: 8, DecDepth: 1, DecHeads: 2,
		MLPRatio: 4, MaskRatio: 0.5, NormPixLoss: true, LNEps: 1e-6,
	}
}

// refFixture returns initialised parameters with every trainable value
// perturbed (so LayerNorm weights are not all 1 and biases not 0), random
// images and a masking for n samples.
func refFixture(t testing.TB, c Config, n int, seed uint64) (map[string][]float64, []float64, Masking) {
	t.Helper()
	p, err := Init(c, seed)
	if err != nil {
		t.Fatal(err)
	}
	rng := NewRNG(seed + 1)
	params := p.Float64()
	for _, tn := range p.Layout.Tensors {
		if tn.Trainable {
			for i := range params[tn.Name] {
				params[tn.Name][i] += rng.Uniform(-0.3, 0.3)
			}
		}
	}
	images := make([]float64, n*c.Channels*c.ImageSize*c.ImageSize)
	for i := range images {
		images[i] = rng.Normal()
	}
	return params, images, RandomMasking(c, n, rng)
}

func TestReferenceGradientFiniteDiff(t *testing.T) {
	for _, normPix := range []bool{true, false} {
		c := gradCheckConfig()
		c.NormPixLoss = normPix
		n := 2
		params, images, m := refFixture(t, c, n, 5)
		res := Reference(c, params, images, n, m)
		if math.IsNaN(res.Loss) || res.Loss <= 0 {
			t.Fatalf("loss = %v", res.Loss)
		}
		layout, _ := NewLayout(c)
		rng := NewRNG(99)
		const h = 1e-5
		for _, tn := range layout.Tensors {
			g, ok := res.Grads[tn.Name]
			if tn.Trainable != ok {
				t.Fatalf("%s: trainable %v but gradient present %v", tn.Name, tn.Trainable, ok)
			}
			if !ok {
				continue
			}
			// First, last and six random coordinates of every tensor.
			idx := []int{0, tn.Len() - 1}
			for k := 0; k < 6; k++ {
				idx = append(idx, int(rng.Uint64()%uint64(tn.Len())))
			}
			var num, den, gmax float64
			for _, v := range g {
				gmax = math.Max(gmax, math.Abs(v))
			}
			if gmax == 0 {
				t.Errorf("%s: zero gradient", tn.Name)
			}
			x := params[tn.Name]
			for _, i := range idx {
				x0 := x[i]
				x[i] = x0 + h
				fp := Reference(c, params, images, n, m).Loss
				x[i] = x0 - h
				fm := Reference(c, params, images, n, m).Loss
				x[i] = x0
				fd := (fp - fm) / (2 * h)
				num += (fd - g[i]) * (fd - g[i])
				den += g[i] * g[i]
			}
			// Relative to the selected coordinates, floored by the
			// tensor's largest gradient so tiny entries do not dominate.
			if err := math.Sqrt(num) / math.Max(math.Sqrt(den), 1e-3*gmax); !(err < 1e-6) {
				t.Errorf("normPix=%v %s: finite-difference relative error %.3g", normPix, tn.Name, err)
			}
		}
	}
}

// TestPatchEmbedEqualsConv checks the patch-order decision: a linear layer
// on PatchifyRef's (row, col, channel) vectors with the permuted weight is
// the reference's stride-p Conv2d with weight [D, C, p, p].
func TestPatchEmbedEqualsConv(t *testing.T) {
	n, c, hw, p, d := 2, 3, 6, 3, 5
	g := hw / p
	rng := NewRNG(3)
	rnd := func(k int) []float64 {
		x := make([]float64, k)
		for i := range x {
			x[i] = rng.Uniform(-1, 1)
		}
		return x
	}
	img, w, b := rnd(n*c*hw*hw), rnd(d*c*p*p), rnd(d)
	got := linearForward(ops.PatchifyRef(img, n, c, hw, hw, p), ConvToPatchOrder(w, d, c, p), b, n*g*g, p*p*c, d)
	for s := 0; s < n; s++ {
		for gy := 0; gy < g; gy++ {
			for gx := 0; gx < g; gx++ {
				for o := 0; o < d; o++ {
					want := b[o]
					for ch := 0; ch < c; ch++ {
						for r := 0; r < p; r++ {
							for q := 0; q < p; q++ {
								want += w[((o*c+ch)*p+r)*p+q] * img[((s*c+ch)*hw+gy*p+r)*hw+gx*p+q]
							}
						}
					}
					if v := got[((s*g+gy)*g+gx)*d+o]; math.Abs(v-want) > 1e-12 {
						t.Fatalf("sample %d patch (%d,%d) out %d: %v, want conv %v", s, gy, gx, o, v, want)
					}
				}
			}
		}
	}
}

func TestReferenceShapesAndMaskedLoss(t *testing.T) {
	c, _ := Preset("micro")
	n := 2
	params, images, m := refFixture(t, c, n, 11)
	res := Reference(c, params, images, n, m)
	l, pd, lk := c.NumPatches(), c.PatchDim(), c.KeepCount()
	if len(res.Pred) != n*l*pd || len(res.Latent) != n*(1+lk)*c.EncDim {
		t.Fatalf("pred %d latent %d", len(res.Pred), len(res.Latent))
	}
	// The loss recomputed from Pred matches, and predictions of visible
	// patches get no gradient: decoder_pred's bias gradient is the sum of
	// dLoss/dPred over masked rows only.
	loss, dPred := ops.MaskedMSELossRef(res.Pred, ops.PatchifyRef(images, n, c.Channels, c.ImageSize, c.ImageSize, c.PatchSize), m.Mask, n, l, pd, true)
	if math.Abs(loss-res.Loss) > 1e-14 {
		t.Errorf("loss %v, recomputed %v", res.Loss, loss)
	}
	db := ops.BiasGradRef(dPred, n*l, pd)
	if e := relDiff(res.Grads["decoder_pred.bias"], db); e > 1e-12 {
		t.Errorf("decoder_pred.bias gradient differs from Σ dPred by %.3g", e)
	}
}

func relDiff(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num += (a[i] - b[i]) * (a[i] - b[i])
		den += b[i] * b[i]
	}
	return math.Sqrt(num / den)
}

func TestReferencePanicsOnMissingTensor(t *testing.T) {
	c := gradCheckConfig()
	params, images, m := refFixture(t, c, 1, 1)
	delete(params, "norm.bias")
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	Reference(c, params, images, 1, m)
}

// BenchmarkReferenceTiny times one float64 forward and backward of the tiny
// preset on 16 images.
func BenchmarkReferenceTiny(b *testing.B) {
	c, _ := Preset("tiny")
	params, images, m := refFixture(b, c, 16, 1)
	for b.Loop() {
		Reference(c, params, images, 16, m)
	}
}
