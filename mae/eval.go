package mae

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// Evaluation defaults.
const (
	DefaultEvalData  = "fashion-mnist"
	DefaultEvalSplit = "test"
	DefaultEvalBatch = 256
)

// EvalConfig says what Evaluate measures.
type EvalConfig struct {
	// Weights is a model.safetensors (mae-vk's, or PyTorch's state dict),
	// a checkpoint directory or a run directory.
	Weights string
	// Params, when set, are the weights already loaded (LoadEvalWeights);
	// Weights, Model and MaskRatio are then not used.
	Params *Params
	// Model is the architecture to read a file without config metadata
	// with (as PyTorch writes); nil infers it from the shapes (see
	// InferConfig). The metadata of a file that has it always wins.
	Model *Config
	// Precision is the compute precision (mixed precision: precision.go);
	// the zero value is fp32.
	Precision ops.Precision
	// MaskRatio, when in (0, 1), replaces the mask ratio of the model,
	// whichever way its config was found; 0 keeps it.
	MaskRatio float64

	Data    string // data set name or path (loader.Open); "": DefaultEvalData
	Split   string // "train" or "test"; "": DefaultEvalSplit
	Batch   int    // images per forward pass; 0: DefaultEvalBatch; never more than the split holds
	Seed    uint64 // seeds the masking of every batch (EvalMasking)
	Workers int    // decoding goroutines (0: one per CPU)

	// Warn receives data warnings (bad files skipped); nil logs to stderr.
	Warn func(string)

	// Group splits the evaluation over the processes of a data-parallel
	// run (nil: one process): process r runs batches r, r+Size, … of the
	// split, each masked as one process masks it, and every process gets
	// the group's result, the one process's result up to summation order.
	// Every process calls Evaluate with the same config (checked).
	Group Group
}

// EvalResult is the outcome of Evaluate.
type EvalResult struct {
	Loss         float64 // mean masked-patch loss over the evaluated images
	Images       int     // images evaluated: the whole split
	SplitSize    int     // images in the split
	Batches      int     // forward passes, the last one padded if the split does not fill it
	Batch        int
	Skipped      int     // unreadable items the loader skipped (image folders)
	Seconds      float64 // from the first batch to the last loss
	ImagesPerSec float64
	Model        Config // the configuration the weights were read with
	Data         string // the data set's name, e.g. "fashion-mnist/test"
	Device       string
}

// LoadEvalWeights loads weights for evaluation: path may be a
// model.safetensors, a checkpoint directory or a run directory. The config
// comes from the file's metadata, else cfg, else the shapes (LoadWeights);
// maskRatio in (0, 1) then replaces its mask ratio (0 keeps it). Errors
// are *ConfigError of the fields Weights and MaskRatio.
func LoadEvalWeights(path string, cfg *Config, maskRatio float64) (*Params, error) {
	if maskRatio != 0 && !(maskRatio > 0 && maskRatio < 1) {
		return nil, configErrorf("MaskRatio", maskRatio, "must be in (0, 1)")
	}
	p, err := LoadWeights(checkpointRoot(path), cfg)
	if err != nil {
		return nil, &ConfigError{Field: "Weights", Value: path, Err: err}
	}
	if maskRatio != 0 {
		p.Config.MaskRatio = maskRatio
		if err := p.Config.Validate(); err != nil {
			return nil, &ConfigError{Field: "MaskRatio", Value: maskRatio, Err: err}
		}
	}
	return p, nil
}

// EvalMaskSeed is the masking seed of batch k of an evaluation with seed.
func EvalMaskSeed(seed uint64, k int) uint64 {
	return NewRNG(seed ^ 0x6576616c /* "eval" */ ^ uint64(k)*0x9e3779b97f4a7c15).Uint64()
}

// EvalMasking is the masking of batch k of n images in an evaluation with
// seed:
//
//	RandomMasking(cfg, n, NewRNG(EvalMaskSeed(seed, k)))
func EvalMasking(cfg Config, n int, seed uint64, k int) Masking {
	return RandomMasking(cfg, n, NewRNG(EvalMaskSeed(seed, k)))
}

// Evaluate measures the masked-patch loss of trained weights on a data set
// split: it reads the whole split once, in order, with the eval transform
// (resize and center crop to the model's size, channel conversion, the
// data set's normalization), in batches of cfg.Batch, masks batch k with
// EvalMasking(…, seed, k), runs the forward pass on the device of o (with
// o's GEMM configuration) and averages the loss over every image. Every
// image masks the same number of patches, so that average is the mean loss
// over all masked patches. The last batch, when the split does not fill
// it, is padded with the split's first images and only its real images
// count (their losses computed on the host, MaskedLosses). A non-finite
// batch loss is an error.
func Evaluate(ctx context.Context, o *ops.Ops, cfg EvalConfig) (EvalResult, error) {
	var res EvalResult
	if cfg.Data == "" {
		cfg.Data = DefaultEvalData
	}
	if cfg.Split == "" {
		cfg.Split = DefaultEvalSplit
	}
	if cfg.Batch == 0 {
		cfg.Batch = DefaultEvalBatch
	}
	if cfg.Batch < 0 {
		return res, &ConfigError{Field: "Batch", Value: cfg.Batch, Reason: "must be at least 1"}
	}
	if cfg.Split != "train" && cfg.Split != "test" {
		return res, &ConfigError{Field: "Split", Value: cfg.Split, Reason: "want train or test"}
	}
	p := cfg.Params
	if p == nil {
		var err error
		if p, err = LoadEvalWeights(cfg.Weights, cfg.Model, cfg.MaskRatio); err != nil {
			return res, err
		}
	}
	mc := p.Config
	if cfg.Group != nil {
		what := fmt.Sprintf("%s %s batch %d seed %d weights %x", cfg.Data, cfg.Split, cfg.Batch, cfg.Seed, paramsChecksum(p))
		if err := cfg.Group.Agree("evaluation config and weights", []byte(what)); err != nil {
			return res, fmt.Errorf("%w: start every rank with the same flags and weights", err)
		}
	}
	src, err := loader.Open(cfg.Data, cfg.Split, loader.Options{Warn: cfg.Warn})
	if err != nil {
		return res, &ConfigError{Field: "Data", Value: cfg.Data, Err: err}
	}
	n := src.Len()
	batch := min(cfg.Batch, n)
	batches := (n + batch - 1) / batch
	// In a group, batch k of this shard is batch k·shards+shard of the
	// split; the split is padded to whole rounds of shards batches, and
	// the padding batches past the split count for nothing.
	shard, shards := groupRank(cfg.Group), groupSize(cfg.Group)
	rounds := (batches + shards - 1) / shards
	padded, err := loader.Pad(src, rounds*shards*batch)
	if err != nil {
		return res, &ConfigError{Field: "Data", Value: cfg.Data, Err: err}
	}
	ld, err := loader.NewLoader(ctx, padded, loader.Config{
		BatchSize: batch, Size: mc.ImageSize, Channels: mc.Channels,
		Augment: loader.AugmentNone, Shuffle: false, Workers: cfg.Workers, Epochs: 1, Warn: cfg.Warn,
		Shard: shard, Shards: shards,
	})
	if errors.Is(err, loader.ErrTooSmall) {
		_, h, w := src.Shape()
		return res, &ConfigError{Field: "Data", Value: cfg.Data, Err: fmt.Errorf("%s has %d×%d pictures, the model takes %d×%d: %w (the eval transform never enlarges pictures: evaluate on data with pictures of at least %d pixels)",
			src.Name(), w, h, mc.ImageSize, mc.ImageSize, loader.ErrTooSmall, mc.ImageSize)}
	}
	if err != nil {
		return res, &ConfigError{Field: "Data", Value: cfg.Data, Err: err}
	}
	defer ld.Close()
	m, err := withParams(o, mc, p, batch, cfg.Precision)
	if err != nil {
		return res, err
	}
	defer m.Release()
	run, err := newRunner(m, 1, func(rec *vk.Recording, ins []*Inputs) error { return m.RecordForward(rec, ins[0]) })
	if err != nil {
		return res, err
	}
	defer run.release()

	res = EvalResult{SplitSize: n, Batch: batch, Model: mc, Data: src.Name(), Device: o.Device().Info.Name}
	start := time.Now()
	var sum float64 // Σ image losses
	add := func(done StepInfo) error {
		if done.Step < 0 {
			return nil
		}
		if l := float64(done.Loss); math.IsNaN(l) || math.IsInf(l, 0) {
			return fmt.Errorf("mae: eval batch %d: loss is %v (the weights hold NaN or Inf values, or the model diverged)", done.Step, l)
		}
		if done.Step < int64(n/batch) { // a full batch
			sum += float64(done.Loss) * float64(batch)
		}
		return nil
	}
	var last []float32 // the images of a partial last batch
	var lastMask Masking
	for k := 0; ; k++ {
		b, err := ld.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, &ConfigError{Field: "Data", Value: cfg.Data, Err: err}
		}
		gk := k*shards + shard // the batch's index in the split
		mk := EvalMasking(mc, batch, cfg.Seed, gk)
		if gk == n/batch && n%batch != 0 {
			last, lastMask = append(last[:0], b.Images...), mk
		}
		done, err := run.submit(StepInfo{Step: int64(gk)}, func(ins []*Inputs) error { return m.SetBatch(ins[0], b.Images, mk) })
		b.Release()
		if err == nil {
			err = add(done)
		}
		if err != nil {
			return res, err
		}
		if gk < batches {
			res.Batches++
		}
	}
	done, err := run.flush()
	for _, d := range done {
		if err == nil {
			err = add(d)
		}
	}
	if err != nil {
		return res, err
	}
	if last != nil { // the last pass run (of its shard): its predictions are still there
		pred, err := m.Pred()
		if err != nil {
			return res, err
		}
		for _, l := range MaskedLosses(mc, batch, last, pred, lastMask.Mask)[:n%batch] {
			sum += l
		}
	}
	res.Skipped = ld.BadItems()
	if cfg.Group != nil {
		tot := []float64{sum, float64(res.Batches), float64(res.Skipped)}
		if err := cfg.Group.SumFloat64("evaluation loss sum", tot); err != nil {
			return res, err
		}
		sum, res.Batches, res.Skipped = tot[0], int(tot[1]), int(tot[2])
	}
	res.Seconds = time.Since(start).Seconds()
	res.Images = min(res.Batches*batch, n)
	if res.Images > 0 {
		res.Loss = sum / float64(res.Images)
	}
	if res.Seconds > 0 {
		res.ImagesPerSec = float64(res.Images) / res.Seconds
	}
	return res, nil
}
