package mae

import (
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// mirrorGroup is a fake group of two processes in which the other process
// always holds the same data as this one: a sum is this process's value
// doubled. It checks the mechanics of a group step (the two recorded
// halves, the staging, the average) on every driver, without MPI.
type mirrorGroup struct{ sums int }

func (g *mirrorGroup) Rank() int { return 0 }
func (g *mirrorGroup) Size() int { return 2 }
func (g *mirrorGroup) SumFloat32(_ string, buf []float32) error {
	g.sums++
	for i := range buf {
		buf[i] *= 2
	}
	return nil
}
func (g *mirrorGroup) SumFloat64(_ string, buf []float64) error {
	for i := range buf {
		buf[i] *= 2
	}
	return nil
}
func (g *mirrorGroup) AnyTrue(_ string, v bool) (bool, error) { return v, nil }
func (g *mirrorGroup) Agree(string, []byte) error             { return nil }

// TestGroupStepperMatchesStepper checks that a group step whose gradient
// sum is twice its own (a mirror process) updates exactly as one process,
// with and without accumulation, in fp32 and (where the device has 16-bit
// storage) fp16: same losses, gradient norms and weights.
func TestGroupStepperMatchesStepper(t *testing.T) {
	cfg, _ := Preset("micro")
	p, err := Init(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	d := vktest.Open(t)
	o := ops.New(d)
	adam := ops.AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.05}
	precs := []ops.Precision{ops.FP32}
	if ops.FP16.Supported(d.Info) {
		precs = append(precs, ops.FP16)
	}
	for _, prec := range precs {
		for _, accum := range []int{1, 2} {
			checkGroupStep(t, o, cfg, p, adam, prec, accum)
		}
	}
}

// checkGroupStep is TestGroupStepperMatchesStepper for one precision and
// accumulation.
func checkGroupStep(t *testing.T, o *ops.Ops, cfg Config, p *Params, adam ops.AdamWConfig, prec ops.Precision, accum int) {
	const n, steps = 3, 3
	buckets := 0
	run := func(g Group) ([]StepInfo, *Params) {
		m, err := NewModelPrecision(o, cfg, n, prec)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Release()
		if err := m.SetParams(p); err != nil {
			t.Fatal(err)
		}
		st, err := NewGroupStepper(m, adam, accum, g)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Release()
		if st.split != nil {
			buckets = len(st.split.halves[0].buckets)
			checkBuckets(t, st.split.halves[0].buckets, m.Layout.TrainableLen+accum)
		}
		rng := NewRNG(6)
		var out []StepInfo
		for k := range steps {
			images, masks := make([][]float32, accum), make([]Masking, accum)
			for j := range accum {
				images[j], masks[j] = randomImages(cfg, n, rng), RandomMasking(cfg, n, rng)
			}
			done, err := st.Submit(images, masks, StepInfo{Step: int64(k + 1), LR: 1e-2}, 0.9, 0.95, 0.5)
			if err != nil {
				t.Fatal(err)
			}
			if done.Step >= 0 {
				out = append(out, done)
			}
		}
		rest, err := st.Flush()
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Params()
		if err != nil {
			t.Fatal(err)
		}
		return append(out, rest...), got
	}
	one, pOne := run(nil)
	g := &mirrorGroup{}
	two, pTwo := run(g)
	if want := cfg.EncDepth + cfg.DecDepth + 1; buckets != want {
		t.Errorf("accum %d: %d buckets, want one per block and one more (%d)", accum, buckets, want)
	}
	if g.sums != steps*buckets {
		t.Fatalf("accum %d: %d allreduces for %d steps of %d buckets", accum, g.sums, steps, buckets)
	}
	for k := range one {
		if one[k].Loss != two[k].Loss || one[k].GradNorm != two[k].GradNorm {
			t.Errorf("%s accum %d step %d: one process loss %v norm %v; group loss %v norm %v",
				prec, accum, k+1, one[k].Loss, one[k].GradNorm, two[k].Loss, two[k].GradNorm)
		}
	}
	var worst float64
	for i := range pOne.Data {
		worst = max(worst, math.Abs(float64(pOne.Data[i]-pTwo.Data[i])))
	}
	if worst != 0 {
		t.Errorf("%s accum %d: weights differ by up to %g", prec, accum, worst)
	}
}

// checkBuckets fails t unless the buckets cover [0, n) once each, from the
// end of the gradient back (the order the backward finishes them).
func checkBuckets(t *testing.T, bs []bucket, n int) {
	t.Helper()
	hi := n
	for k, b := range bs {
		if k > 0 && b.hi != hi || b.lo >= b.hi || b.lo < 0 {
			t.Fatalf("buckets %v do not cover [0, %d) from the end back", bs, n)
		}
		hi = b.lo
	}
	if len(bs) == 0 || bs[0].hi != n || hi != 0 {
		t.Fatalf("buckets %v do not cover [0, %d)", bs, n)
	}
}
