package mae

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mae-vk/mae-vk/internal/idxtest"
	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// writeEvalIDX writes a test split of n side×side gray pictures (smooth
// gradients with noise) and their labels to a new directory.
func writeEvalIDX(t *testing.T, n, side int) string {
	t.Helper()
	dir := t.TempDir()
	rng := NewRNG(uint64(n*1000 + side))
	pix := make([]byte, n*side*side)
	for i := range n {
		a, b := rng.Uniform(0, 4), rng.Uniform(0, 4)
		for y := range side {
			for x := range side {
				v := 128 + 100*math.Sin(a*float64(x)/float64(side)*math.Pi+b*float64(y)/float64(side)) + rng.Uniform(-20, 20)
				pix[(i*side+y)*side+x] = uint8(min(max(v, 0), 255))
			}
		}
	}
	labels := make([]byte, n)
	for i := range labels {
		labels[i] = byte(i % 10)
	}
	idxtest.WritePair(t, dir, "t10k", side, side, pix, labels, false)
	return dir
}

// microWeights returns Init weights of the micro preset.
func microWeights(t *testing.T) *Params {
	t.Helper()
	cfg, _ := Preset("micro")
	p, err := Init(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func evaluate(t *testing.T, cfg EvalConfig) EvalResult {
	t.Helper()
	res, err := Evaluate(context.Background(), ops.New(vktest.Open(t)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestEvaluateMatchesModelForward evaluates a saved checkpoint on 40
// pictures in batches of 16 and compares the loss with forward passes of a
// Model on the same batches and maskings; it also checks that the loss is
// deterministic, depends on the seed, and that per-image host losses
// average to the device's.
func TestEvaluateMatchesModelForward(t *testing.T) {
	p := microWeights(t)
	ckDir := t.TempDir()
	if err := SaveCheckpoint(ckDir, Checkpoint{Params: p}); err != nil {
		t.Fatal(err)
	}
	data := writeEvalIDX(t, 40, 28)
	cfg := EvalConfig{Weights: ckDir, Data: data, Batch: 16, Seed: 7, Workers: 2}
	res := evaluate(t, cfg)
	if res.Images != 40 || res.Batches != 3 || res.SplitSize != 40 || res.Batch != 16 {
		t.Errorf("evaluated %d images in %d batches of %d, split %d; want all 40 in 3 of 16, split 40", res.Images, res.Batches, res.Batch, res.SplitSize)
	}
	if math.IsNaN(res.Loss) || math.IsInf(res.Loss, 0) || res.Loss <= 0 {
		t.Fatalf("loss %v", res.Loss)
	}
	if res.Model != p.Config || res.Device == "" || !(res.ImagesPerSec > 0) {
		t.Errorf("result %+v", res)
	}

	// The same batches through a Model directly.
	d := vktest.Open(t)
	src, err := loader.Open(data, "test", loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Padded to 48 with the first 8 images, as Evaluate does; only the
	// first 8 images of the third batch count.
	padded, err := loader.Pad(src, 48)
	if err != nil {
		t.Fatal(err)
	}
	ld, err := loader.NewLoader(context.Background(), padded, loader.Config{BatchSize: 16, Size: 28, Channels: 1, Epochs: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer ld.Close()
	m, err := NewModel(ops.New(d), p.Config, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	if err := m.SetParams(p); err != nil {
		t.Fatal(err)
	}
	in, err := m.NewInputs()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Release()
	var sum float64
	for k := range 3 {
		b, err := ld.Next()
		if err != nil {
			t.Fatal(err)
		}
		mk := EvalMasking(p.Config, 16, cfg.Seed, k)
		pred, loss, err := m.Reconstruct(in, b.Images, mk)
		if err != nil {
			t.Fatal(err)
		}
		per := MaskedLosses(p.Config, 16, b.Images, pred, mk.Mask)
		b.Release()
		mean := 0.0
		for _, l := range per {
			mean += l / 16
		}
		if rel := math.Abs(mean-float64(loss)) / float64(loss); !(rel < 1e-5) {
			t.Errorf("batch %d: per-image host losses average %v, the device's loss is %v", k, mean, loss)
		}
		if k < 2 {
			sum += float64(loss) * 16
			continue
		}
		for _, l := range per[:8] {
			sum += l
		}
	}
	if want := sum / 40; !(math.Abs(res.Loss-want) <= 1e-6*want) {
		t.Errorf("Evaluate loss %v, direct forward %v", res.Loss, want)
	}

	if again := evaluate(t, cfg); again.Loss != res.Loss {
		t.Errorf("second evaluation: loss %v, first %v", again.Loss, res.Loss)
	}
	other := cfg
	other.Seed = 8
	if o := evaluate(t, other); o.Loss == res.Loss {
		t.Errorf("seeds 7 and 8 give the same loss %v", o.Loss)
	}
	whole := cfg
	whole.Batch = 0 // the default, 256, capped at the split's 40
	if w := evaluate(t, whole); w.Images != 40 || w.Batch != 40 || w.Batches != 1 {
		t.Errorf("default batch: %d images in %d batches of %d, want 40 in 1", w.Images, w.Batches, w.Batch)
	}
}

// TestEvaluatePyTorchFile evaluates a safetensors file without mae-vk's
// config metadata, as safetensors.torch.save_file writes it: with the
// preset given, and inferred from the shapes, it gives the checkpoint's
// loss; with the wrong preset it is an error naming --weights.
func TestEvaluatePyTorchFile(t *testing.T) {
	p := microWeights(t)
	dir := t.TempDir()
	ours, torch := filepath.Join(dir, "ours.safetensors"), filepath.Join(dir, "torch.safetensors")
	if err := saveSafetensors(ours, modelEntries(p), map[string]string{"format": "pt", ConfigMetadataKey: mustJSON(t, p.Config)}); err != nil {
		t.Fatal(err)
	}
	if err := saveSafetensors(torch, modelEntries(p), map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	data := writeEvalIDX(t, 16, 28)
	want := evaluate(t, EvalConfig{Weights: ours, Data: data, Batch: 8}).Loss
	micro, _ := Preset("micro")
	for _, m := range []*Config{&micro, nil} {
		got := evaluate(t, EvalConfig{Weights: torch, Model: m, Data: data, Batch: 8})
		if got.Loss != want || got.Model != micro {
			t.Errorf("model %v: loss %v with config %+v, want %v with micro", m, got.Loss, got.Model, want)
		}
	}
	tiny, _ := Preset("tiny")
	_, err := LoadEvalWeights(torch, &tiny, 0)
	if !isConfigError(err, "Weights") || !strings.Contains(err.Error(), torch) || !strings.Contains(err.Error(), "wrong shape") {
		t.Errorf("micro weights read as tiny: %v", err)
	}
	// The file's metadata wins over the given config.
	if got := evaluate(t, EvalConfig{Weights: ours, Model: &tiny, Data: data, Batch: 8}); got.Loss != want {
		t.Errorf("metadata file read with the tiny preset given: loss %v, want %v", got.Loss, want)
	}
}

// TestLoadEvalWeightsErrors checks the errors for a missing, a
// non-safetensors and a truncated file, and a bad mask ratio.
func TestLoadEvalWeightsErrors(t *testing.T) {
	p := microWeights(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "model.safetensors")
	if err := saveSafetensors(good, modelEntries(p), nil); err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	truncated, text := filepath.Join(dir, "truncated.safetensors"), filepath.Join(dir, "notes.txt")
	os.WriteFile(truncated, full[:len(full)/2], 0o644)
	os.WriteFile(text, []byte("these are not weights\n"), 0o644)
	for _, path := range []string{filepath.Join(dir, "missing.safetensors"), text, truncated} {
		_, err := LoadEvalWeights(path, nil, 0)
		if !isConfigError(err, "Weights") || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want one naming --weights and the file", filepath.Base(path), err)
			continue
		}
		t.Log(err)
	}
	if _, err := LoadEvalWeights(good, nil, 1.5); !isConfigError(err, "MaskRatio") {
		t.Errorf("mask ratio 1.5: %v", err)
	}
	q, err := LoadEvalWeights(good, nil, 0.5)
	if err != nil || q.Config.MaskRatio != 0.5 {
		t.Errorf("mask ratio 0.5: %v, config %+v", err, q.Config)
	}
}

// TestEvaluateConvertsData evaluates 28-pixel models on data that differ
// from them: 32-pixel pictures (resized and center-cropped) and a
// 3-channel model on gray pictures (replicated); 20-pixel pictures are too
// small for the eval transform.
func TestEvaluateConvertsData(t *testing.T) {
	p := microWeights(t)
	dir := t.TempDir()
	w1 := filepath.Join(dir, "micro.safetensors")
	if err := saveSafetensors(w1, modelEntries(p), nil); err != nil {
		t.Fatal(err)
	}
	rgb := p.Config
	rgb.Channels = 3
	p3, err := Init(rgb, 4)
	if err != nil {
		t.Fatal(err)
	}
	w3 := filepath.Join(dir, "rgb.safetensors")
	if err := saveSafetensors(w3, modelEntries(p3), map[string]string{ConfigMetadataKey: mustJSON(t, rgb)}); err != nil {
		t.Fatal(err)
	}
	big := writeEvalIDX(t, 8, 32)
	for _, w := range []string{w1, w3} {
		res := evaluate(t, EvalConfig{Weights: w, Data: big, Batch: 8})
		if res.Images != 8 || math.IsNaN(res.Loss) || !(res.Loss > 0) {
			t.Errorf("%s on 32-pixel data: %+v", filepath.Base(w), res)
		}
	}
	_, err = Evaluate(context.Background(), ops.New(vktest.Open(t)), EvalConfig{Weights: w1, Data: writeEvalIDX(t, 8, 20), Batch: 8})
	if !errors.Is(err, loader.ErrTooSmall) || !isConfigError(err, "Data") {
		t.Errorf("20-pixel data for a 28-pixel model: %v", err)
	}
}

// isConfigError reports whether err is a *ConfigError of field.
func isConfigError(err error, field string) bool {
	var ce *ConfigError
	return errors.As(err, &ce) && ce.Field == field
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReconstructImagesBatching reconstructs ReconBatch+3 images (two
// batches, the second padded) and checks that each image's masking and
// loss are those it gets when reconstructed among the first few only.
func TestReconstructImagesBatching(t *testing.T) {
	p := microWeights(t)
	d := vktest.Open(t)
	n := ReconBatch + 3
	images := randomImages(p.Config, n, NewRNG(5))
	all, err := ReconstructImages(ops.New(d), p, images, n, 9)
	if err != nil {
		t.Fatal(err)
	}
	plane := p.Config.Channels * p.Config.ImageSize * p.Config.ImageSize
	few, err := ReconstructImages(ops.New(d), p, images[:4*plane], 4, 9)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != n || len(few) != 4 {
		t.Fatalf("%d and %d results, want %d and 4", len(all), len(few), n)
	}
	want := EvalMasking(p.Config, n, 9, 0)
	l := p.Config.NumPatches()
	for i, r := range all {
		if math.IsNaN(r.Loss) || !(r.Loss > 0) || !slices.Equal(r.Mask, want.Mask[i*l:(i+1)*l]) {
			t.Errorf("image %d: loss %v, mask %v, want row %d of EvalMasking", i, r.Loss, r.Mask, i)
		}
	}
	for i, r := range few {
		if rel := math.Abs(r.Loss-all[i].Loss) / all[i].Loss; !(rel < 1e-5) {
			t.Errorf("image %d: loss %v alone, %v among %d", i, r.Loss, all[i].Loss, n)
		}
	}
}
