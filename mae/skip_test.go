package mae

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// TestStepperSkipsNonFiniteGradient submits a step on a batch holding a
// NaN: its gradient norm is not finite, and the weights and AdamW moments
// must stay exactly as they were; the next, finite step must change them.
func TestStepperSkipsNonFiniteGradient(t *testing.T) {
	cfg, _ := Preset("micro")
	const n = 2
	p, err := Init(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewModel(ops.New(vktest.Open(t)), cfg, n)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	if err := m.SetParams(p); err != nil {
		t.Fatal(err)
	}
	st, err := NewStepper(m, ops.AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.05}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Release()
	rng := NewRNG(4)
	step := func(k int64, images []float32) StepInfo {
		t.Helper()
		if _, err := st.Submit([][]float32{images}, []Masking{RandomMasking(cfg, n, rng)}, StepInfo{Step: k, LR: 1e-3}, 0.9, 0.95, 0); err != nil {
			t.Fatal(err)
		}
		done, err := st.Flush()
		if err != nil || len(done) != 1 {
			t.Fatalf("flush: %v, %d steps", err, len(done))
		}
		return done[0]
	}
	bad := randomImages(cfg, n, rng)
	bad[5] = float32(math.NaN())
	if d := step(1, bad); finite(float64(d.GradNorm)) {
		t.Fatalf("a NaN pixel gave the finite gradient norm %v", d.GradNorm)
	}
	after, err := m.Params()
	if err != nil {
		t.Fatal(err)
	}
	m1, m2, err := m.Moments()
	if err != nil {
		t.Fatal(err)
	}
	if !sameBits(after.Data, p.Data) {
		t.Error("a step with a NaN gradient changed the weights")
	}
	if slices.ContainsFunc(m1, func(v float32) bool { return v != 0 }) || slices.ContainsFunc(m2, func(v float32) bool { return v != 0 }) {
		t.Error("a step with a NaN gradient changed the AdamW moments")
	}
	if d := step(2, randomImages(cfg, n, rng)); !finite(float64(d.GradNorm)) {
		t.Fatalf("finite batch: gradient norm %v", d.GradNorm)
	}
	if again, _ := m.Params(); sameBits(again.Data, p.Data) {
		t.Error("a finite step left the weights unchanged")
	}
}

// TestTrainerCountsSkippedSteps feeds the trainer's step reports with a
// non-finite gradient norm: each is reported as skipped to the hooks and
// counted, a finite step resets the run of them, and MaxSkippedInARow in a
// row stop the run with ErrDiverged.
func TestTrainerCountsSkippedSteps(t *testing.T) {
	var reports []StepReport
	tr := &trainer{cfg: TrainConfig{Batch: 4, Accum: 1}, lastReport: time.Now()}
	tr.hooks = []Hook{{Name: "collect", Step: func(_ *State, r StepReport) error { reports = append(reports, r); return nil }}}
	tr.state.t = tr
	nan := float32(math.NaN())
	norms := []float32{1, nan, float32(math.Inf(1)), 2}
	for i := 0; i < MaxSkippedInARow; i++ {
		norms = append(norms, nan)
	}
	var err error
	for i, g := range norms {
		if err = tr.report(StepInfo{Step: int64(i + 1), Loss: 0.5, GradNorm: g, Submitted: time.Now()}); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrDiverged) || len(reports) != len(norms) {
		t.Fatalf("after %d reports: %v, want ErrDiverged after %d", len(reports), err, len(norms))
	}
	for i, r := range reports {
		if want := !finite(float64(norms[i])); r.Skipped != want {
			t.Errorf("step %d (norm %v): skipped %v", r.Step, norms[i], r.Skipped)
		}
	}
	if tr.skipped != int64(2+MaxSkippedInARow) || tr.state.Skipped != tr.skipped {
		t.Errorf("%d skipped counted (state %d), want %d", tr.skipped, tr.state.Skipped, 2+MaxSkippedInARow)
	}
	t.Log(err)
}

// TestTrainerWaitsForTheLossScale: fp16 steps skipped while the loss scale
// halves from 65536 down to 2 (a finite loss, an overflowing gradient) do
// not stop the run; at the floor (scale 1) MaxSkippedInARow do, and so do
// MaxSkippedInARow non-finite losses at any scale.
func TestTrainerWaitsForTheLossScale(t *testing.T) {
	run := func(infos []StepInfo) (int, error) {
		tr := &trainer{cfg: TrainConfig{Batch: 4, Accum: 1}, lastReport: time.Now()}
		tr.state.t = tr
		for i, d := range infos {
			d.Step, d.Submitted = int64(i+1), time.Now()
			if err := tr.report(d); err != nil {
				return i + 1, err
			}
		}
		return len(infos), nil
	}
	nan := float32(math.NaN())
	var halving []StepInfo
	for s := float64(DefaultInitScale); s > LossScaleFloor; s /= 2 {
		halving = append(halving, StepInfo{Loss: 0.5, GradNorm: nan, LossScale: s})
	}
	if n, err := run(halving); err != nil {
		t.Fatalf("%d skips while the scale halved to 2 stopped the run at step %d: %v", len(halving), n, err)
	}
	floor := append(halving, make([]StepInfo, MaxSkippedInARow)...)
	for i := len(halving); i < len(floor); i++ {
		floor[i] = StepInfo{Loss: 0.5, GradNorm: nan, LossScale: LossScaleFloor}
	}
	if n, err := run(floor); !errors.Is(err, ErrDiverged) || n != len(floor) {
		t.Errorf("%d skips at the floor: stopped at step %d of %d with %v, want ErrDiverged at the last", MaxSkippedInARow, n, len(floor), err)
	}
	badLoss := make([]StepInfo, MaxSkippedInARow)
	for i := range badLoss {
		badLoss[i] = StepInfo{Loss: nan, GradNorm: nan, LossScale: DefaultInitScale}
	}
	if n, err := run(badLoss); !errors.Is(err, ErrDiverged) || n != len(badLoss) {
		t.Errorf("%d non-finite losses at scale %d: stopped at step %d with %v, want ErrDiverged", MaxSkippedInARow, DefaultInitScale, n, err)
	}
}
