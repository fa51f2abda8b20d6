package finetune

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/safetensors"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// tinyCheckpoint saves initialized micro MAE weights as a checkpoint, the
// --weights of the runs below.
func tinyCheckpoint(t *testing.T) string {
	t.Helper()
	cfg, _ := mae.Preset("micro")
	p, err := mae.Init(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := mae.SaveCheckpoint(dir, mae.Checkpoint{Params: p}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// microRun is a short fine-tuning run of the micro preset on the first
// images of Fashion-MNIST (installed by make setup).
func microRun(t *testing.T, weights string, steps int64) Config {
	t.Helper()
	if _, err := os.Stat(loader.FashionMNISTDir); err != nil {
		t.Fatalf("Fashion-MNIST missing (%v): run make setup", err)
	}
	cfg, err := DefaultConfig("micro")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Weights, cfg.Batch, cfg.Steps, cfg.Epochs = weights, 16, steps, 4
	cfg.TrainImages, cfg.EvalImages = 128, 32
	cfg.LR, cfg.WarmupEpochs = 2e-3, 0.5
	cfg.Workers, cfg.Seed, cfg.Out = 2, 7, t.TempDir()
	return cfg
}

func train(t *testing.T, ctx context.Context, cfg Config, hooks Hooks) (*Result, error) {
	t.Helper()
	return Train(ctx, ops.New(vktest.Open(t)), cfg, hooks)
}

// TestFinetuneLearns fine-tunes micro from a checkpoint on 64 images
// (augmentations that blur the labels off: no mixup, cutmix, erasing,
// RandAugment or crop) for 8 epochs: the training top-1 of the last epoch
// must be well above chance (10%), the run directory complete.
func TestFinetuneLearns(t *testing.T) {
	cfg := microRun(t, tinyCheckpoint(t), 0)
	cfg.Mixup, cfg.Cutmix, cfg.ReProb, cfg.RandAug, cfg.Crop = 0, 0, 0, "none", false
	cfg.Epochs, cfg.LR, cfg.TrainImages = 8, 3e-3, 64
	var accs []float64
	res, err := train(t, context.Background(), cfg, Hooks{Step: func(r StepReport) error {
		accs = append(accs, r.TrainAcc)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(accs) != 32 {
		t.Fatalf("%d steps, want 8 epochs of 4", len(accs))
	}
	first, last := mean(accs[:4]), mean(accs[28:])
	t.Logf("train top-1 %.1f%% in epoch 0, %.1f%% in epoch 7; eval top-1 best %.1f%%", 100*first, 100*last, 100*res.Best.Top1)
	if !(last >= 0.4) || !(last > first) {
		t.Errorf("training top-1 went from %.1f%% to %.1f%%; want a rise to at least 40%%", 100*first, 100*last)
	}
	for _, f := range []string{"config.json", "metrics.jsonl", CurvesFile, "best/model.safetensors", "best/eval.json", "checkpoints/latest"} {
		if _, err := os.Stat(filepath.Join(res.RunDir, f)); err != nil {
			t.Errorf("run directory: %v", err)
		}
	}
	recs, err := ReadMetrics(filepath.Join(res.RunDir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	evals := 0
	for _, r := range recs {
		if r.Eval {
			evals++
		}
	}
	if len(recs) != 40 || evals != 8 {
		t.Errorf("metrics.jsonl: %d records, %d evaluations; want 40 and 8", len(recs), evals)
	}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// TestFinetuneResumesExactly runs the full recipe (mixup, cutmix,
// RandAugment, erasing, drop path, layer decay) for 6 steps of 4-step
// epochs straight, and again interrupted by a cancelled context (Ctrl-C)
// after step 3 and resumed across the epoch boundary (an evaluation and a
// reshuffle): the losses of every step and the final weights and moments
// must be bit-identical.
func TestFinetuneResumesExactly(t *testing.T) {
	weights := tinyCheckpoint(t)
	short := func() Config {
		cfg := microRun(t, weights, 6)
		cfg.TrainImages, cfg.EvalImages = 64, 16
		return cfg
	}
	straight := short()
	var want []float32
	resA, err := train(t, context.Background(), straight, Hooks{Step: func(r StepReport) error {
		want = append(want, r.Loss)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}

	split := short()
	ctx, cancel := context.WithCancel(context.Background())
	var got []float32
	hook := Hooks{Step: func(r StepReport) error {
		got = append(got, r.Loss)
		if r.Step == 3 {
			cancel()
		}
		return nil
	}}
	if _, err := train(t, ctx, split, hook); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run: %v, want ErrInterrupted", err)
	}
	if len(got) != 3 {
		t.Fatalf("interrupted after %d steps, want 3", len(got))
	}
	resume := Config{Resume: split.Out, Steps: 6, Epochs: split.Epochs}
	resB, err := train(t, context.Background(), resume, hook)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("losses differ:\nstraight %v\nresumed  %v", want, got)
	}
	a, err := loadCheckpoint(resA.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadCheckpoint(resB.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	if a.state.Step != 6 || b.state.Step != 6 {
		t.Fatalf("checkpoints at steps %d and %d, want 6", a.state.Step, b.state.Step)
	}
	if !slices.Equal(a.params.Data, b.params.Data) || !slices.Equal(a.expAvg, b.expAvg) || !slices.Equal(a.expA, b.expA) {
		t.Error("weights or AdamW moments differ between the straight and the resumed run")
	}
}

// TestSavedWeightsReferenceNames checks the saved classifier of a 2-step
// run against the state-dict names and shapes of models_vit.vit_* with
// global_pool=True (written out here independently of NewLayout), reads
// the file back into a classifier and scores it with Evaluate, which must
// reproduce the run's own evaluation of those weights on 21 images (the
// second batch of 16 padded in both).
func TestSavedWeightsReferenceNames(t *testing.T) {
	cfg := microRun(t, tinyCheckpoint(t), 2)
	cfg.Epochs, cfg.EvalImages = 1, 21
	res, err := train(t, context.Background(), cfg, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(res.RunDir, BestDir, mae.ModelFile)
	sf, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	m := cfg.Model
	want := map[string][]int{
		"cls_token": {1, 1, m.EncDim}, "pos_embed": {1, m.NumPatches() + 1, m.EncDim},
		"patch_embed.proj.weight": {m.EncDim, m.Channels, m.PatchSize, m.PatchSize}, "patch_embed.proj.bias": {m.EncDim},
		"fc_norm.weight": {m.EncDim}, "fc_norm.bias": {m.EncDim}, "head.weight": {10, m.EncDim}, "head.bias": {10},
	}
	for i := 0; i < m.EncDepth; i++ {
		for name, shape := range map[string][]int{
			"norm1.weight": {m.EncDim}, "norm1.bias": {m.EncDim}, "attn.qkv.weight": {3 * m.EncDim, m.EncDim}, "attn.qkv.bias": {3 * m.EncDim},
			"attn.proj.weight": {m.EncDim, m.EncDim}, "attn.proj.bias": {m.EncDim}, "norm2.weight": {m.EncDim}, "norm2.bias": {m.EncDim},
			"mlp.fc1.weight": {4 * m.EncDim, m.EncDim}, "mlp.fc1.bias": {4 * m.EncDim}, "mlp.fc2.weight": {m.EncDim, 4 * m.EncDim}, "mlp.fc2.bias": {m.EncDim},
		} {
			want[fmt.Sprintf("blocks.%d.%s", i, name)] = shape
		}
	}
	if len(sf.Tensors) != len(want) {
		t.Errorf("%d tensors saved, models_vit has %d", len(sf.Tensors), len(want))
	}
	for name, shape := range want {
		st, ok := sf.Lookup(name)
		if !ok {
			t.Errorf("missing %q", name)
		} else if !slices.Equal(st.Shape, shape) || st.DType != "F32" {
			t.Errorf("%q: %s %v, want F32 %v", name, st.DType, st.Shape, shape)
		}
	}
	p, err := LoadWeights(res.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range p.Layout.Tensors {
		v, err := sf.Float32(tn.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(v, p.View(tn.Name)) {
			t.Errorf("%s read back differently", tn.Name)
		}
	}
	ev, err := Evaluate(context.Background(), ops.New(vktest.Open(t)), res.RunDir, cfg.Data, "test", cfg.Batch, cfg.EvalImages, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Images != 21 || ev.Images != res.Best.Images || ev.Top1 != res.Best.Top1 || ev.Top5 != res.Best.Top5 {
		t.Errorf("Evaluate of the saved weights: %+v; the run measured %+v", ev, *res.Best)
	}
}
