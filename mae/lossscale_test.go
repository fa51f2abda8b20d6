package mae

import (
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

func TestLossScalerUpdate(t *testing.T) {
	l := &LossScaler{Scale: 1024, GrowthInterval: 3}
	if l.Update(1024, false) != true || l.Scale != 512 || l.Skipped != 1 {
		t.Fatalf("overflow: scale %g, skipped %d; want 512, 1", l.Scale, l.Skipped)
	}
	// The next result was queued with the old scale: skipped, no second halving.
	if l.Update(1024, false) != true || l.Scale != 512 || l.Skipped != 2 {
		t.Fatalf("stale overflow: scale %g, skipped %d; want 512, 2", l.Scale, l.Skipped)
	}
	for i := 0; i < 2; i++ {
		if l.Update(512, true) || l.Scale != 512 {
			t.Fatalf("good step %d: scale %g", i+1, l.Scale)
		}
	}
	l.Update(1024, true) // stale: does not count
	if l.Scale != 512 {
		t.Fatalf("stale good step grew the scale to %g", l.Scale)
	}
	l.Update(512, true)
	if l.Scale != 1024 {
		t.Fatalf("after 3 good steps: scale %g, want 1024", l.Scale)
	}
}

// fp16Stepper is a micro model in fp16 with its stepper, from Init(seed 3).
func fp16Stepper(t *testing.T, n int) (*Model, *Stepper, *Params) {
	t.Helper()
	d := vktest.Open(t)
	if !ops.FP16.Supported(d.Info) {
		t.Skipf("%s has no 16-bit storage", d.Info.Name)
	}
	cfg, _ := Preset("micro")
	m, err := NewModelPrecision(ops.New(d), cfg, n, ops.FP16)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Release)
	p, err := Init(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetParams(p); err != nil {
		t.Fatal(err)
	}
	st, err := NewStepper(m, ops.AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.05}, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Release)
	return m, st, p
}

func stepOnce(t *testing.T, st *Stepper, images []float32, mk Masking, step int64) StepInfo {
	t.Helper()
	if _, err := st.Submit([][]float32{images}, []Masking{mk}, StepInfo{Step: step, LR: 1e-3}, 0.9, 0.95, 1); err != nil {
		t.Fatal(err)
	}
	done, err := st.Flush()
	if err != nil || len(done) != 1 {
		t.Fatalf("flush: %v, %d steps", err, len(done))
	}
	return done[0]
}

// TestLossScalingSkipsOverflow forces an overflow (an infinite pixel makes
// every gradient Inf or NaN): the step is skipped, the scale halves, and
// the weights and AdamW moments stay bit for bit as they were; the next,
// finite step updates them.
func TestLossScalingSkipsOverflow(t *testing.T) {
	const n = 4
	m, st, p := fp16Stepper(t, n)
	rng := NewRNG(8)
	images, mk := randomImages(m.Cfg, n, rng), RandomMasking(m.Cfg, n, rng)
	bad := append([]float32(nil), images...)
	bad[5] = float32(math.Inf(1))
	scale := st.LossScaler().Scale

	done := stepOnce(t, st, bad, mk, 1)
	if !done.Skipped || finiteNorm(done.GradNorm) {
		t.Fatalf("overflowing step: skipped %v, grad norm %v", done.Skipped, done.GradNorm)
	}
	if got := st.LossScaler().Scale; got != scale/2 {
		t.Errorf("scale after the overflow %g, want %g", got, scale/2)
	}
	if st.LossScaler().Skipped != 1 {
		t.Errorf("skipped steps %d, want 1", st.LossScaler().Skipped)
	}
	after, err := m.Params()
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Data {
		if math.Float32bits(after.Data[i]) != math.Float32bits(p.Data[i]) {
			t.Fatalf("weight %d changed by a skipped step: %v → %v", i, p.Data[i], after.Data[i])
		}
	}
	m1, m2, err := m.Moments()
	if err != nil {
		t.Fatal(err)
	}
	for i := range m1 {
		if m1[i] != 0 || m2[i] != 0 {
			t.Fatalf("AdamW moment %d changed by a skipped step: %v, %v", i, m1[i], m2[i])
		}
	}

	done = stepOnce(t, st, images, mk, 2)
	if done.Skipped || !finiteNorm(done.GradNorm) || done.LossScale != scale/2 {
		t.Fatalf("finite step: skipped %v, grad norm %v, scale %g", done.Skipped, done.GradNorm, done.LossScale)
	}
	if after, err = m.Params(); err != nil {
		t.Fatal(err)
	}
	changed := 0
	for i := range p.Data {
		if after.Data[i] != p.Data[i] {
			changed++
		}
	}
	if changed == 0 {
		t.Error("the finite step changed no weight")
	}
}

// TestLossScalingUnscales: the gradient the update sees is the same at
// scale 1 and at scale 2^12 (scaled in the backward pass, unscaled before
// the norm): relative difference below 1e-5 per tensor.
func TestLossScalingUnscales(t *testing.T) {
	const n = 4
	m, st, _ := fp16Stepper(t, n)
	rng := NewRNG(9)
	images, mk := randomImages(m.Cfg, n, rng), RandomMasking(m.Cfg, n, rng)
	grads := func(scale float64) []float32 {
		if err := m.SetMoments(make([]float32, m.Layout.TrainableLen), make([]float32, m.Layout.TrainableLen)); err != nil {
			t.Fatal(err)
		}
		st.LossScaler().Scale = scale
		// A zero learning rate keeps the weights: both runs see the same.
		if _, err := st.Submit([][]float32{images}, []Masking{mk}, StepInfo{Step: 1, LR: 0}, 0.9, 0.95, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Flush(); err != nil {
			t.Fatal(err)
		}
		g, err := st.UpdateGradient()
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	g1, g2 := grads(1), grads(4096)
	checkTrainableClose(t, m.Layout, "gradients at scale 4096 and 1", g2, g1, 1e-5)
}
