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
}

// EvalResult is the outcome of Evaluate.
type EvalResult struct {
	Loss         float64 // mean masked-patch loss over the evaluated images
	Images       int     // images evaluated: Batches·Batch
	SplitSize    int     // images in the split; the last Images%Batch are dropped
	Batches      int
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
// name the --weights flag.
func LoadEvalWeights(path string, cfg *Config, maskRatio float64) (*Params, error) {
	if maskRatio != 0 && !(maskRatio > 0 && maskRatio < 1) {
		return nil, fmt.Errorf("--mask-ratio %v: must be in (0, 1)", maskRatio)
	}
	p, err := LoadWeights(checkpointRoot(path), cfg)
	if err != nil {
		return nil, fmt.Errorf("--weights %s: %w", path, err)
	}
	if maskRatio != 0 {
		p.Config.MaskRatio = maskRatio
		if err := p.Config.Validate(); err != nil {
			return nil, fmt.Errorf("--mask-ratio %v: %w", maskRatio, err)
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
// split: it reads the split once, in order, with the eval transform
// (resize and center crop to the model's size, channel conversion, the
// data set's normalization), in batches of cfg.Batch (the last partial
// batch dropped, as in training), masks batch k with EvalMasking(…, seed,
// k), runs the forward pass on dev and averages the batch losses. Every
// batch masks the same number of patches, so that average is the mean loss
// over all masked patches. A non-finite batch loss is an error.
func Evaluate(ctx context.Context, dev *vk.Device, cfg EvalConfig) (EvalResult, error) {
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
		return res, fmt.Errorf("--batch %d: must be at least 1", cfg.Batch)
	}
	if cfg.Split != "train" && cfg.Split != "test" {
		return res, fmt.Errorf("--split %q: want train or test", cfg.Split)
	}
	p := cfg.Params
	if p == nil {
		var err error
		if p, err = LoadEvalWeights(cfg.Weights, cfg.Model, cfg.MaskRatio); err != nil {
			return res, err
		}
	}
	mc := p.Config
	src, err := loader.Open(cfg.Data, cfg.Split, loader.Options{Warn: cfg.Warn})
	if err != nil {
		return res, fmt.Errorf("--data %s: %w", cfg.Data, err)
	}
	batch := min(cfg.Batch, src.Len())
	ld, err := loader.NewLoader(ctx, src, loader.Config{
		BatchSize: batch, Size: mc.ImageSize, Channels: mc.Channels,
		Augment: loader.AugmentNone, Shuffle: false, Workers: cfg.Workers, Epochs: 1, Warn: cfg.Warn,
	})
	if errors.Is(err, loader.ErrTooSmall) {
		_, h, w := src.Shape()
		return res, fmt.Errorf("--data %s: %s has %d×%d pictures, the model takes %d×%d: %w (the eval transform never enlarges pictures: evaluate on data with pictures of at least %d pixels)",
			cfg.Data, src.Name(), w, h, mc.ImageSize, mc.ImageSize, loader.ErrTooSmall, mc.ImageSize)
	}
	if err != nil {
		return res, fmt.Errorf("--data %s: %w", cfg.Data, err)
	}
	defer ld.Close()
	ev, err := newEvaluator(dev, p, batch)
	if err != nil {
		return res, err
	}
	defer ev.release()

	res = EvalResult{SplitSize: src.Len(), Batch: batch, Model: mc, Data: src.Name(), Device: dev.Info.Name}
	start := time.Now()
	var sum float64
	for k := 0; ; k++ {
		b, err := ld.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, fmt.Errorf("--data %s: %w", cfg.Data, err)
		}
		err = ev.submit(k, b.Images, EvalMasking(mc, batch, cfg.Seed, k), &sum)
		b.Release()
		if err != nil {
			return res, err
		}
		res.Batches++
	}
	if err := ev.flush(&sum); err != nil {
		return res, err
	}
	res.Seconds = time.Since(start).Seconds()
	res.Images = res.Batches * batch
	res.Skipped = ld.BadItems()
	if res.Batches > 0 {
		res.Loss = sum / float64(res.Batches)
	}
	if res.Seconds > 0 {
		res.ImagesPerSec = float64(res.Images) / res.Seconds
	}
	return res, nil
}

// evaluator runs forward passes with two input slots, each with its
// recording made once: the host writes batch k+1 while the device runs
// batch k, and reads batch k's loss when its slot comes round again.
type evaluator struct {
	m     *Model
	slots [2]evalSlot
	next  int
}

type evalSlot struct {
	in      *Inputs
	rec     *vk.Recording
	pending bool
	batch   int // index of the pending batch
}

func newEvaluator(dev *vk.Device, p *Params, batch int) (ev *evaluator, err error) {
	o := ops.New(dev)
	if _, err := o.LoadGemmTuning(ops.TuningDir()); err != nil {
		return nil, err
	}
	m, err := NewModel(o, p.Config, batch)
	if err != nil {
		return nil, err
	}
	ev = &evaluator{m: m}
	defer func() {
		if err != nil {
			ev.release()
		}
	}()
	if err := m.SetParams(p); err != nil {
		return nil, err
	}
	for i := range ev.slots {
		sl := &ev.slots[i]
		if sl.in, err = m.NewInputs(); err != nil {
			return nil, err
		}
		if sl.rec, err = m.d.NewRecording(); err != nil {
			return nil, err
		}
		if err := m.RecordForward(sl.rec, sl.in); err != nil {
			return nil, err
		}
		if err := sl.rec.End(); err != nil {
			return nil, fmt.Errorf("mae: record the forward pass: %w", err)
		}
	}
	return ev, nil
}

// submit queues batch k, first adding the loss of the slot's previous
// batch to *sum.
func (ev *evaluator) submit(k int, images []float32, mk Masking, sum *float64) error {
	sl := &ev.slots[ev.next]
	if err := ev.wait(sl, sum); err != nil {
		return err
	}
	if err := ev.m.SetBatch(sl.in, images, mk); err != nil {
		return err
	}
	if err := sl.rec.Submit(); err != nil {
		return fmt.Errorf("mae: eval batch %d: %w", k, err)
	}
	sl.pending, sl.batch = true, k
	ev.next = 1 - ev.next
	return nil
}

// flush waits for both slots, oldest first.
func (ev *evaluator) flush(sum *float64) error {
	for k := range 2 {
		if err := ev.wait(&ev.slots[(ev.next+k)%2], sum); err != nil {
			return err
		}
	}
	return nil
}

func (ev *evaluator) wait(sl *evalSlot, sum *float64) error {
	if !sl.pending {
		return nil
	}
	sl.pending = false
	if err := sl.rec.Wait(); err != nil {
		return fmt.Errorf("mae: eval batch %d: %w", sl.batch, err)
	}
	loss, _, err := ReadLoss(sl.in)
	if err != nil {
		return err
	}
	if l := float64(loss); math.IsNaN(l) || math.IsInf(l, 0) {
		return fmt.Errorf("mae: eval batch %d: loss is %v (the weights hold NaN or Inf values, or the model diverged)", sl.batch, l)
	}
	*sum += float64(loss)
	return nil
}

// release frees the recordings and the model (with its input buffers).
func (ev *evaluator) release() {
	for i := range ev.slots {
		if ev.slots[i].rec != nil {
			ev.slots[i].rec.Release()
		}
		ev.slots[i] = evalSlot{}
	}
	ev.m.Release()
}

// MaskedLosses returns the loss of each of the n images of a forward pass,
// computed on the host in float64 from the images [N, C, H, W] (normalized,
// as the model saw them), the predictions [N, L, P] and the mask [N, L] as
// the device computes the batch's:
//
//	loss[i] = Σ_l mask[i,l]·mean_e (pred[i,l,e] − t'[i,l,e])² / Σ_l mask[i,l]
//
// with t' the patchified image, normalized per patch when cfg.NormPixLoss.
// With the same number of masked patches in every image, their mean is the
// batch loss. It panics if the lengths do not match cfg and n.
func MaskedLosses(cfg Config, n int, images, pred []float32, mask []float64) []float64 {
	c, hw, l, pd := cfg.Channels, cfg.ImageSize, cfg.NumPatches(), cfg.PatchDim()
	if n < 0 || len(images) != n*c*hw*hw || len(pred) != n*l*pd || len(mask) != n*l {
		panic(fmt.Sprintf("mae: MaskedLosses: %d image values, %d predictions, %d mask values for N=%d C=%d H=W=%d L=%d P=%d",
			len(images), len(pred), len(mask), n, c, hw, l, pd))
	}
	out := make([]float64, n)
	plane := c * hw * hw
	for i := range n {
		img := make([]float64, plane)
		for j, v := range images[i*plane : (i+1)*plane] {
			img[j] = float64(v)
		}
		target := ops.PatchifyRef(img, 1, c, hw, hw, cfg.PatchSize)
		pr := make([]float64, l*pd)
		for j, v := range pred[i*l*pd : (i+1)*l*pd] {
			pr[j] = float64(v)
		}
		out[i], _ = ops.MaskedMSELossRef(pr, target, mask[i*l:(i+1)*l], 1, l, pd, cfg.NormPixLoss)
	}
	return out
}

// ReconBatch is the most images ReconstructImages runs in one forward pass.
const ReconBatch = 32

// ImageRecon is the reconstruction of one image by ReconstructImages.
type ImageRecon struct {
	Pred []float32 // [L, p·p·C] predictions, as Model.Pred
	Mask []float64 // [L] 1 removed, 0 visible
	Loss float64   // the image's masked-patch loss (MaskedLosses)
}

// ReconstructImages runs the weights p forward on dev over n images
// [N, C, H, W] (normalized, p's size and channels) in batches of up to
// ReconBatch, the last one padded with zero images. Image i is masked as
// row i of EvalMasking(p.Config, n, seed, 0), so that it does not depend
// on the batching, and the first images match the first batch of an
// Evaluate with the same seed and data. It panics if len(images) is not
// n·C·H·W.
func ReconstructImages(dev *vk.Device, p *Params, images []float32, n int, seed uint64) ([]ImageRecon, error) {
	c := p.Config
	plane := c.Channels * c.ImageSize * c.ImageSize
	if n < 1 || len(images) != n*plane {
		panic(fmt.Sprintf("mae: ReconstructImages: %d values for %d images of %d", len(images), n, plane))
	}
	batch := min(n, ReconBatch)
	steps := (n + batch - 1) / batch
	mk := EvalMasking(c, steps*batch, seed, 0)
	o := ops.New(dev)
	if _, err := o.LoadGemmTuning(ops.TuningDir()); err != nil {
		return nil, err
	}
	m, err := NewModel(o, c, batch)
	if err != nil {
		return nil, err
	}
	defer m.Release()
	if err := m.SetParams(p); err != nil {
		return nil, err
	}
	in, err := m.NewInputs()
	if err != nil {
		return nil, err
	}
	l, pd := c.NumPatches(), c.PatchDim()
	out := make([]ImageRecon, 0, n)
	x := make([]float32, batch*plane)
	for k := range steps {
		lo, hi := k*batch, min((k+1)*batch, n)
		clear(x)
		copy(x, images[lo*plane:hi*plane])
		bm := mk.rows(k*batch, (k+1)*batch)
		pred, _, err := m.Reconstruct(in, x, bm)
		if err != nil {
			return nil, err
		}
		cnt := hi - lo
		losses := MaskedLosses(c, cnt, x[:cnt*plane], pred[:cnt*l*pd], bm.Mask[:cnt*l])
		for i := range cnt {
			out = append(out, ImageRecon{
				Pred: pred[i*l*pd : (i+1)*l*pd],
				Mask: bm.Mask[i*l : (i+1)*l],
				Loss: losses[i],
			})
		}
	}
	return out, nil
}

// rows returns the masking of samples [lo, hi) (sharing m's memory).
func (m Masking) rows(lo, hi int) Masking {
	l, k := m.L, m.Keep
	return Masking{
		N: hi - lo, L: l, Keep: k,
		IDsShuffle: m.IDsShuffle[lo*l : hi*l],
		IDsKeep:    m.IDsKeep[lo*k : hi*k],
		IDsRestore: m.IDsRestore[lo*l : hi*l],
		Mask:       m.Mask[lo*l : hi*l],
	}
}
