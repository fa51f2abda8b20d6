package mae

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// microTrainConfig trains the micro preset on Fashion-MNIST (installed by
// make setup) with small batches.
func microTrainConfig(t *testing.T, steps int64) TrainConfig {
	t.Helper()
	if _, err := os.Stat(loader.FashionMNISTDir); err != nil {
		t.Fatalf("Fashion-MNIST missing (%v): run make setup", err)
	}
	cfg := DefaultTrainConfig()
	cfg.Preset = "micro"
	cfg.Model, _ = Preset("micro")
	cfg.Batch, cfg.Steps, cfg.Epochs = 16, steps, 1
	cfg.LR, cfg.WarmupEpochs = 2e-3, 0.02
	cfg.Out = t.TempDir()
	cfg.ReconImages = 0
	cfg.Seed = 5
	return cfg
}

// trainInDir trains cfg with the run-directory hooks on dir plus extra.
func trainInDir(t *testing.T, cfg TrainConfig, dir string, extra ...Hook) (*Result, error) {
	t.Helper()
	rd := &RunDir{Path: dir}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return Train(context.Background(), ops.New(vktest.Open(t)), cfg, append(RunDirHooks(rd, cfg), extra...)...)
}

// trainLosses trains cfg in the run directory cfg.Out and returns the
// losses of the steps it ran.
func trainLosses(t *testing.T, cfg TrainConfig) []float64 {
	t.Helper()
	var losses []float64
	_, err := trainInDir(t, cfg, cfg.Out, Hook{Name: "losses", Step: func(_ *State, r StepReport) error {
		losses = append(losses, float64(r.Loss))
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return losses
}

func meanOf(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// TestTrainLowersLoss trains micro for 200 steps of 16 images: the mean
// loss of the last 20 steps must be at least 20% below that of the first 20.
func TestTrainLowersLoss(t *testing.T) {
	cfg := microTrainConfig(t, 200)
	losses := trainLosses(t, cfg)
	if len(losses) != 200 {
		t.Fatalf("%d steps reported, want 200", len(losses))
	}
	first, last := meanOf(losses[:20]), meanOf(losses[180:])
	t.Logf("mean loss of steps 1-20: %.4f, of steps 181-200: %.4f", first, last)
	if !(last < 0.8*first) {
		t.Errorf("loss went from %.4f to %.4f: less than 20%% lower", first, last)
	}
	for _, f := range []string{"metrics.jsonl", "loss.png", "checkpoints/latest"} { // config.json is the CLI's
		if _, err := os.Stat(filepath.Join(cfg.Out, f)); err != nil {
			t.Errorf("run directory lacks %s: %v", f, err)
		}
	}
}

// TestResumeEqualsUninterrupted stops a run after 12 steps, resumes it for
// 12 more, and compares the losses and final weights with 24 steps in one
// go: they must be identical on the same device.
func TestResumeEqualsUninterrupted(t *testing.T) {
	whole := microTrainConfig(t, 24)
	want := trainLosses(t, whole)

	first := microTrainConfig(t, 12)
	got := trainLosses(t, first)
	second := microTrainConfig(t, 24)
	second.Resume, second.Out = first.Out, first.Out
	got = append(got, trainLosses(t, second)...)
	if len(got) != len(want) {
		t.Fatalf("resumed run reported %d steps, uninterrupted %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] || math.IsNaN(got[i]) {
			t.Fatalf("step %d: resumed loss %v, uninterrupted %v", i+1, got[i], want[i])
		}
	}
	a, err := LoadCheckpoint(filepath.Join(whole.Out, "checkpoints"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadCheckpoint(filepath.Join(first.Out, "checkpoints"))
	if err != nil {
		t.Fatal(err)
	}
	if a.State.Step != 24 || b.State.Step != 24 {
		t.Fatalf("checkpoint steps %d and %d, want 24", a.State.Step, b.State.Step)
	}
	if a.State.AdamStep == nil || b.State.AdamStep == nil || *a.State.AdamStep != 24 || *b.State.AdamStep != 24 {
		t.Fatalf("checkpoint AdamW step counts %v and %v, want 24", a.State.AdamStep, b.State.AdamStep)
	}
	for i, v := range a.Params.Data {
		if b.Params.Data[i] != v {
			t.Fatalf("weights differ at element %d: %v vs %v", i, b.Params.Data[i], v)
		}
	}
}

// TestTruncatedCheckpointIsAnError cuts a saved model file short; resuming
// from it must fail with an error naming the file.
func TestTruncatedCheckpointIsAnError(t *testing.T) {
	cfg := microTrainConfig(t, 2)
	trainLosses(t, cfg)
	ck := filepath.Join(cfg.Out, "checkpoints", CheckpointName(2), ModelFile)
	st, err := os.Stat(ck)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(ck, st.Size()/2); err != nil {
		t.Fatal(err)
	}
	again := microTrainConfig(t, 4)
	again.Resume = cfg.Out
	_, err = trainInDir(t, again, cfg.Out)
	if err == nil {
		t.Fatal("resuming from a truncated checkpoint succeeded")
	}
	t.Log(err)
}

// TestTrainAccumulates runs steps of three accumulated micro-batches
// through the trainer (the loader must keep enough batches in flight).
func TestTrainAccumulates(t *testing.T) {
	cfg := microTrainConfig(t, 6)
	cfg.Accum = 3
	losses := trainLosses(t, cfg)
	if len(losses) != 6 {
		t.Fatalf("%d steps reported, want 6", len(losses))
	}
	for i, l := range losses {
		if math.IsNaN(l) || l <= 0 {
			t.Fatalf("step %d: loss %v", i+1, l)
		}
	}
}
