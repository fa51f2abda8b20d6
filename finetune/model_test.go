package finetune

import (
	"fmt"
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// testCase is a small classifier set-up: config, classes, batch.
type testCase struct {
	name       string
	cfg        mae.Config
	classes, n int
}

func testCases(t *testing.T) []testCase {
	micro, err := mae.Preset("micro")
	if err != nil {
		t.Fatal(err)
	}
	odd := micro
	odd.ImageSize, odd.Channels, odd.PatchSize = 12, 3, 4 // L = 9
	odd.EncDim, odd.EncHeads = 32, 2
	return []testCase{{"micro", micro, 10, 3}, {"odd", odd, 7, 2}}
}

// testParams are pre-trained-like parameters: mae.Init with every tensor
// perturbed so that no gradient vanishes by symmetry (fc_norm 1/0, head
// tiny), then FromPretrained.
func testParams(t *testing.T, cfg mae.Config, classes int, seed uint64) *mae.Params {
	t.Helper()
	pre, err := mae.Init(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	rng := mae.NewRNG(seed + 1)
	for i := range pre.Data {
		pre.Data[i] += float32(0.05 * rng.Normal())
	}
	p, err := FromPretrained(pre, classes, seed)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"head.weight", "head.bias", "fc_norm.weight", "fc_norm.bias"} {
		for i := range p.View(name) {
			p.View(name)[i] += float32(0.3 * rng.Normal())
		}
	}
	return p
}

// testBatch draws images, mixed soft targets and drop-path scales.
func testBatch(cfg mae.Config, classes, n int, seed uint64, dropPath bool) (images, targets []float32, scales [][]float64) {
	rng := mae.NewRNG(seed)
	images = make([]float32, n*cfg.Channels*cfg.ImageSize*cfg.ImageSize)
	for i := range images {
		images[i] = float32(rng.Normal())
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = int(rng.Uint64() % uint64(classes))
	}
	t64 := ops.SoftTargets(labels, classes, 0.1)
	targets = make([]float32, len(t64))
	for i := range t64 {
		j := (i/classes + 1) % n * classes // mix with the next sample, λ = 0.7
		targets[i] = float32(0.7*t64[i] + 0.3*t64[j+i%classes])
	}
	if dropPath {
		for b := 0; b < 2*cfg.EncDepth; b++ {
			u := make([]float64, n)
			for i := range u {
				u[i] = rng.Float64()
			}
			scales = append(scales, ops.DropPathScales(u, 0.3))
		}
	}
	return images, targets, scales
}

func widen(v []float32) []float64 {
	w := make([]float64, len(v))
	for i, x := range v {
		w[i] = float64(x)
	}
	return w
}

func newTestModel(t *testing.T, tc testCase, p *mae.Params, dropPath bool) *Model {
	t.Helper()
	d := vktest.Open(t)
	m, err := NewModel(ops.New(d), tc.cfg, tc.classes, tc.n, 0.75, dropPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Release)
	if err := m.SetParams(p); err != nil {
		t.Fatal(err)
	}
	return m
}

func run(t *testing.T, m *Model, rec func(r *vk.Recording) error) {
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

// TestClassifierGradientsMatchReference runs the whole fine-tuning forward
// and backward pass on the device (drop path on and off, mixed soft
// targets) and compares the loss, the logits and every parameter's
// gradient with the float64 reference on the same weights and batch:
// max |gpu − ref| / max |ref| below 1e-4 per tensor.
func TestClassifierGradientsMatchReference(t *testing.T) {
	for _, tc := range testCases(t) {
		for _, dp := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s_droppath=%v", tc.name, dp), func(t *testing.T) {
				p := testParams(t, tc.cfg, tc.classes, 5)
				images, targets, scales := testBatch(tc.cfg, tc.classes, tc.n, 11, dp)
				ref := Reference(tc.cfg, tc.classes, p.Float64(), widen(images), tc.n, widen(targets), scales)
				m := newTestModel(t, tc, p, dp)
				in, err := m.NewInputs()
				if err != nil {
					t.Fatal(err)
				}
				if err := m.SetBatch(in, images, targets); err != nil {
					t.Fatal(err)
				}
				if err := m.SetScales(scales); err != nil {
					t.Fatal(err)
				}
				run(t, m, func(r *vk.Recording) error {
					if err := m.RecordForward(r, in); err != nil {
						return err
					}
					return m.RecordBackward(r)
				})
				loss, _, logits, err := ReadOutputs(in)
				if err != nil {
					t.Fatal(err)
				}
				if rel := math.Abs(float64(loss)-ref.Loss) / math.Abs(ref.Loss); !(rel < 1e-5) {
					t.Errorf("loss %v, reference %v (relative error %.3g)", loss, ref.Loss, rel)
				}
				if e := maxRel(widen(logits), ref.Logits); !(e < 1e-4) {
					t.Errorf("logits: relative error %.3g", e)
				}
				grads, err := m.Grads()
				if err != nil {
					t.Fatal(err)
				}
				worst := 0.0
				for _, tn := range m.Layout.Tensors {
					got := widen(grads[tn.Offset : tn.Offset+tn.Len()])
					e := maxRel(got, ref.Grads[tn.Name])
					if !(e < 1e-4) {
						t.Errorf("%s: gradient relative error %.3g", tn.Name, e)
					}
					worst = math.Max(worst, e)
				}
				t.Logf("loss %.6f (ref %.6f), worst gradient error %.3g", loss, ref.Loss, worst)
			})
		}
	}
}

// maxRel is max |a − b| / max |b|; +Inf on NaN, a length mismatch or an
// all-zero reference (a gradient that is identically zero would hide a
// missing kernel).
func maxRel(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	num, den := 0.0, 0.0
	for i := range a {
		if math.IsNaN(a[i]) || math.IsNaN(b[i]) {
			return math.Inf(1)
		}
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(b[i]))
	}
	if den == 0 {
		return math.Inf(1)
	}
	return num / den
}
