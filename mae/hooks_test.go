package mae

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// TestTrainWithoutRunDir runs Train with one custom hook and no run
// directory: the hook sees start, every step, the final save and the end,
// and nothing is written anywhere.
func TestTrainWithoutRunDir(t *testing.T) {
	cfg := microTrainConfig(t, 3)
	cfg.Out = ""
	t.Chdir(t.TempDir())
	var calls []string
	var saved Checkpoint
	h := Hook{
		Name:  "custom",
		Start: func(s *State) error { calls = append(calls, "start"); return nil },
		Step: func(s *State, r StepReport) error {
			calls = append(calls, "step")
			if r.Step != int64(len(calls)-1) {
				t.Errorf("step report %d after %d calls", r.Step, len(calls))
			}
			return nil
		},
		Save: func(s *State, why SaveReason) error {
			calls = append(calls, "save "+why.String())
			var err error
			saved, err = s.Checkpoint()
			return err
		},
		End: func(s *State, res *Result) error { calls = append(calls, "end"); return nil },
	}
	res, err := Train(context.Background(), ops.New(vktest.Open(t)), cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"start", "step", "step", "step", "save end", "end"}; !slices.Equal(calls, want) || res.Steps != 3 {
		t.Errorf("hook calls %q, %d steps; want %q, 3", calls, res.Steps, want)
	}
	if saved.State.Step != 3 || saved.Params == nil || len(saved.ExpAvg) == 0 {
		t.Errorf("checkpoint handed to the save hook: step %d", saved.State.Step)
	}
	if ents, _ := os.ReadDir("."); len(ents) != 0 {
		t.Errorf("Train without run-directory hooks wrote %d files", len(ents))
	}
}

// TestHookErrorNamesHook: a failing hook stops the run with its name and
// callback in the error.
func TestHookErrorNamesHook(t *testing.T) {
	cfg := microTrainConfig(t, 3)
	boom := errors.New("boom")
	_, err := Train(context.Background(), ops.New(vktest.Open(t)), cfg,
		Hook{Name: "fine"}, Hook{Name: "failing", Step: func(*State, StepReport) error { return boom }})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "failing hook (step)") {
		t.Errorf("error %v, want one naming the failing hook", err)
	}
}

// TestSaveEveryAndEvalHook trains 5 steps saving every 2 and evaluating
// every 2: checkpoints of steps 2, 4 and 5 load, and metrics.jsonl holds
// evaluation records at steps 2 and 4 besides the 5 training ones.
func TestSaveEveryAndEvalHook(t *testing.T) {
	cfg := microTrainConfig(t, 5)
	cfg.SaveEvery, cfg.SaveInterval, cfg.Keep = 2, 0, 0
	evalData := writeEvalIDX(t, 12, 28)
	_, err := trainInDir(t, cfg, cfg.Out, EvalHook(context.Background(), 2, EvalConfig{Data: evalData, Batch: 8, Seed: 1}))
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []int64{2, 4, 5} {
		ck, err := LoadCheckpoint(filepath.Join(cfg.Out, "checkpoints", CheckpointName(step)))
		if err != nil || ck.State.Step != step {
			t.Errorf("checkpoint of step %d: %v", step, err)
		}
	}
	recs, err := ReadMetrics(filepath.Join(cfg.Out, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var train, eval []int64
	for _, r := range recs {
		if r.Eval {
			eval = append(eval, r.Step)
		} else {
			train = append(train, r.Step)
		}
	}
	if !slices.Equal(train, []int64{1, 2, 3, 4, 5}) || !slices.Equal(eval, []int64{2, 4}) {
		t.Errorf("metrics steps: train %v, eval %v", train, eval)
	}
}

// TestResumeCutsMetrics simulates a crash after step 4 was logged but
// before its checkpoint was saved: resuming from the checkpoint of step 2
// must leave every step exactly once in metrics.jsonl.
func TestResumeCutsMetrics(t *testing.T) {
	cfg := microTrainConfig(t, 4)
	cfg.SaveEvery, cfg.SaveInterval, cfg.Keep = 2, 0, 0
	trainLosses(t, cfg)
	ckDir := filepath.Join(cfg.Out, "checkpoints")
	if err := os.RemoveAll(filepath.Join(ckDir, CheckpointName(4))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ckDir, LatestFile), []byte(CheckpointName(2)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	again := cfg
	again.Resume = cfg.Out
	if got := trainLosses(t, again); len(got) != 2 {
		t.Fatalf("resumed run: %d steps, want 2", len(got))
	}
	recs, err := ReadMetrics(filepath.Join(cfg.Out, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var steps []int64
	for _, r := range recs {
		steps = append(steps, r.Step)
	}
	if !slices.Equal(steps, []int64{1, 2, 3, 4}) {
		t.Errorf("metrics steps after crash and resume: %v, want 1 2 3 4", steps)
	}
}
