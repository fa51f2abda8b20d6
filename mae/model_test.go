package mae

import (
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// gpuModel opens the test device and builds a model with params p.
func gpuModel(t *testing.T, p *Params, n int) (*Model, *Inputs) {
	t.Helper()
	return gpuModelWith(t, p, n, vk.Options{})
}

// gpuModelWith is gpuModel with device options (Staging: as on a discrete
// GPU, where the host cannot see device memory).
func gpuModelWith(t *testing.T, p *Params, n int, opts vk.Options) (*Model, *Inputs) {
	t.Helper()
	d := vktest.OpenWith(t, opts)
	m, err := NewModel(ops.New(d), p.Config, n)
	return readyModel(t, m, err, p)
}

// readyModel finishes a new model for a test: it fails on err, gives m the
// parameters p and makes its inputs; both are released at cleanup.
func readyModel(t *testing.T, m *Model, err error, p *Params) (*Model, *Inputs) {
	t.Helper()
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
	return m, in
}

// randomImages draws n normalized images.
func randomImages(cfg Config, n int, rng *RNG) []float32 {
	v := make([]float32, n*cfg.Channels*cfg.ImageSize*cfg.ImageSize)
	for i := range v {
		v[i] = float32(rng.Normal())
	}
	return v
}

func runRecording(t *testing.T, m *Model, rec func(r *vk.Recording) error) {
	t.Helper()
	r, err := m.d.NewRecording()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if err := rec(r); err != nil {
		t.Fatal(err)
	}
	if err := r.Run(); err != nil {
		t.Fatal(err)
	}
}

// TestModelGradientsMatchReference runs the forward and backward pass of
// small models on the device and compares the loss and every parameter
// gradient with the float64 reference on the same weights, images and
// masks: max |gpu − ref| / max |ref| below 1e-4 per tensor.
func TestModelGradientsMatchReference(t *testing.T) {
	micro, err := Preset("micro")
	if err != nil {
		t.Fatal(err)
	}
	odd := micro
	odd.ImageSize, odd.Channels, odd.PatchSize = 12, 3, 4 // L = 9, Lk = 2, P = 48
	odd.EncDim, odd.EncHeads, odd.DecDim, odd.DecHeads = 32, 2, 16, 1
	odd.NormPixLoss = false
	for _, tc := range []struct {
		name    string
		cfg     Config
		n       int
		staging bool
	}{{"micro", micro, 3, false}, {"odd", odd, 2, false}, {"micro-staging", micro, 2, true}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			p, err := Init(cfg, 7)
			if err != nil {
				t.Fatal(err)
			}
			rng := NewRNG(99)
			images := randomImages(cfg, tc.n, rng)
			mk := RandomMasking(cfg, tc.n, rng)
			images64 := make([]float64, len(images))
			for i, v := range images {
				images64[i] = float64(v)
			}
			ref := Reference(cfg, p.Float64(), images64, tc.n, mk)

			m, in := gpuModelWith(t, p, tc.n, vk.Options{Staging: tc.staging})
			if err := m.SetBatch(in, images, mk); err != nil {
				t.Fatal(err)
			}
			runRecording(t, m, func(r *vk.Recording) error {
				if err := m.RecordForward(r, in); err != nil {
					return err
				}
				return m.RecordBackward(r, in)
			})
			loss, _, err := ReadLoss(in)
			if err != nil {
				t.Fatal(err)
			}
			if rel := math.Abs(float64(loss)-ref.Loss) / math.Abs(ref.Loss); !(rel < 1e-5) {
				t.Errorf("loss %v, reference %v (relative error %.3g)", loss, ref.Loss, rel)
			}
			grads, err := m.Grads()
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for _, tn := range m.Layout.Tensors {
				if !tn.Trainable {
					continue
				}
				want := ref.Grads[tn.Name]
				got := grads[tn.Offset : tn.Offset+tn.Len()]
				e := scaledMaxErr(got, want)
				worst = max(worst, e)
				if !(e < 1e-4) {
					t.Errorf("%s: max error / max |ref| = %.3g", tn.Name, e)
				}
			}
			t.Logf("loss %.6f (ref %.6f); worst scaled gradient error %.3g", loss, ref.Loss, worst)
		})
	}
}

// scaledMaxErr is max |got − want| / max |want|; NaN or a length mismatch
// gives +Inf.
func scaledMaxErr(got []float32, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var num, den float64
	for i, w := range want {
		g := float64(got[i])
		if math.IsNaN(g) || math.IsInf(g, 0) {
			return math.Inf(1)
		}
		num = max(num, math.Abs(g-w))
		den = max(den, math.Abs(w))
	}
	if den == 0 {
		return num
	}
	return num / den
}
