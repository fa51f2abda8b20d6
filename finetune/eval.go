package finetune

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// EvalResult is a classifier's score on a held-out set.
type EvalResult struct {
	Images int     `json:"images"` // images scored: every image of the split
	Loss   float64 `json:"loss"`   // mean cross-entropy against the hard labels
	Top1   float64 `json:"top1"`   // fractions
	Top5   float64 `json:"top5"`
}

// evaluator scores a model batch by batch with a recorded forward pass
// (no drop path, one-hot targets).
type evaluator struct {
	m       *Model
	in      *Inputs
	rec     *vk.Recording
	targets []float32
}

func newEvaluator(m *Model) (*evaluator, error) {
	in, err := m.NewInputs()
	if err != nil {
		return nil, err
	}
	rec, err := m.d.NewRecording()
	if err != nil {
		return nil, err
	}
	e := &evaluator{m: m, in: in, rec: rec, targets: make([]float32, m.Batch*m.Classes)}
	if err := m.RecordForward(rec, in); err != nil {
		rec.Release()
		return nil, err
	}
	if err := rec.End(); err != nil {
		rec.Release()
		return nil, fmt.Errorf("finetune: record evaluation: %w", err)
	}
	return e, nil
}

func (e *evaluator) release() { e.rec.Release() }

// run scores every image of src: the last batch, when src does not fill
// it, is padded with src's first images (loader.Pad, as mae.Evaluate
// does) and only its real images count, their losses computed on the host
// from the logits (crossEntropy).
func (e *evaluator) run(ctx context.Context, src loader.Source, workers int, warn func(string)) (EvalResult, error) {
	m := e.m
	var res EvalResult
	n := src.Len()
	padded, err := loader.Pad(src, (n+m.Batch-1)/m.Batch*m.Batch)
	if err != nil {
		return res, fmt.Errorf("finetune: evaluation data: %w", err)
	}
	ld, err := loader.NewLoader(ctx, padded, loader.Config{
		BatchSize: m.Batch, Size: m.Cfg.ImageSize, Channels: m.Cfg.Channels, Augment: loader.AugmentNone,
		Epochs: 1, Workers: workers, Warn: warn,
	})
	if err != nil {
		return res, fmt.Errorf("finetune: evaluation data: %w", err)
	}
	defer ld.Close()
	if err := m.SetScales(nil); err != nil {
		return res, err
	}
	var lossSum float64
	var top1, top5 int
	for res.Images < n {
		b, err := ld.Next()
		if err == io.EOF {
			return res, fmt.Errorf("finetune: evaluation of %s ended after %d of %d images", src.Name(), res.Images, n)
		}
		if err != nil {
			return res, err
		}
		if err := oneHot(e.targets, b.Labels, m.Classes); err != nil {
			b.Release()
			return res, err
		}
		err = m.SetBatch(e.in, b.Images, e.targets)
		kept := min(m.Batch, n-res.Images)
		labels := append([]int32(nil), b.Labels[:kept]...)
		b.Release()
		if err != nil {
			return res, err
		}
		if err := e.rec.Run(); err != nil {
			return res, fmt.Errorf("finetune: evaluation: %w", err)
		}
		loss, _, logits, err := ReadOutputs(e.in)
		if err != nil {
			return res, err
		}
		if kept == m.Batch {
			lossSum += float64(loss) * float64(m.Batch)
		}
		for i, l := range labels {
			z := logits[i*m.Classes : (i+1)*m.Classes]
			if kept < m.Batch {
				lossSum += crossEntropy(z, int(l))
			}
			r := rank(z, int(l))
			if r < 1 {
				top1++
			}
			if r < 5 {
				top5++
			}
		}
		res.Images += kept
	}
	nf := float64(res.Images)
	res.Loss, res.Top1, res.Top5 = lossSum/nf, float64(top1)/nf, float64(top5)/nf
	if math.IsNaN(res.Loss) {
		return res, fmt.Errorf("finetune: evaluation loss is NaN")
	}
	return res, nil
}

// crossEntropy is −log softmax(logits)[label], in float64.
func crossEntropy(logits []float32, label int) float64 {
	hi := math.Inf(-1)
	for _, z := range logits {
		hi = math.Max(hi, float64(z))
	}
	var sum float64
	for _, z := range logits {
		sum += math.Exp(float64(z) - hi)
	}
	return hi + math.Log(sum) - float64(logits[label])
}

// rank is how many logits are above the label's (0: top-1). A NaN logit
// counts as above, so a broken model never scores.
func rank(logits []float32, label int) int {
	v, r := logits[label], 0
	for k, z := range logits {
		if k != label && (z > v || z != z || v != v) {
			r++
		}
	}
	return r
}

// oneHot writes the one-hot targets of labels, checking their range.
func oneHot(dst []float32, labels []int32, classes int) error {
	for i := range dst {
		dst[i] = 0
	}
	for i, l := range labels {
		if l < 0 || int(l) >= classes {
			return fmt.Errorf("finetune: label %d outside the %d classes: set --classes to the data set's class count", l, classes)
		}
		dst[i*classes+int(l)] = 1
	}
	return nil
}

// Evaluate scores the fine-tuned classifier at weights (see LoadWeights)
// on split of data (limit images at most; 0: all), in batches of batch,
// with the ops o.
func Evaluate(ctx context.Context, o *ops.Ops, weights, data, split string, batch, limit int, warn func(string)) (EvalResult, error) {
	p, err := LoadWeights(weights)
	if err != nil {
		return EvalResult{}, fmt.Errorf("--weights %s: %w", weights, err)
	}
	src, err := loader.Open(data, split, loader.Options{Warn: warn})
	if err != nil {
		return EvalResult{}, fmt.Errorf("--data %s: %w", data, err)
	}
	if src, err = loader.Subset(src, limit); err != nil {
		return EvalResult{}, err
	}
	classes := p.Layout.Tensors[len(p.Layout.Tensors)-1].Shape[0]
	m, err := NewModel(o, p.Config, classes, min(batch, src.Len()), 1, false)
	if err != nil {
		return EvalResult{}, err
	}
	defer m.Release()
	if err := m.SetParams(p); err != nil {
		return EvalResult{}, err
	}
	e, err := newEvaluator(m)
	if err != nil {
		return EvalResult{}, err
	}
	defer e.release()
	return e.run(ctx, src, 0, warn)
}
