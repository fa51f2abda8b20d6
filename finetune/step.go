package finetune

import (
	"fmt"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/ops"
)

// Streams of loader.BatchRNG, one per kind of randomness of a step.
const (
	rngRandAug  = 1
	rngErasing  = 2
	rngMixup    = 3
	rngDropPath = 4
)

// trainStep augments batch b on the host (RandAugment, random erasing,
// mixup/cutmix: all seeded by the run's seed and the step), draws the
// drop-path scales, runs one recorded step at learning rate lr and
// returns its loss and its top-1 against each sample's dominant label.
// It releases b.
func (t *trainer) trainStep(b *loader.Batch, lr float64) (float32, float64, error) {
	cfg, c := t.cfg, t.cfg.Model
	n, s := cfg.Batch, c.ImageSize
	copy(t.images, b.Images)
	labels := append([]int32(nil), b.Labels...)
	b.Release()
	for _, l := range labels {
		if l < 0 || int(l) >= cfg.Classes {
			return 0, 0, fmt.Errorf("label %d outside the %d classes: set --classes to the data set's class count", l, cfg.Classes)
		}
	}
	step := t.step
	if ra, ok, _ := loader.ParseRandAugment(cfg.RandAug); ok {
		r := loader.BatchRNG(cfg.Seed, step, rngRandAug)
		ra.Apply(&r, t.images, n, c.Channels, s, t.stats)
	}
	r := loader.BatchRNG(cfg.Seed, step, rngErasing)
	loader.Erasing{Prob: cfg.ReProb}.Apply(&r, t.images, n, c.Channels, s)
	r = loader.BatchRNG(cfg.Seed, step, rngMixup)
	lam := cfg.mixup().Apply(&r, t.images, labels, c.Channels, s, t.targets)
	if err := t.model.SetScales(dropPathScales(cfg, step, n)); err != nil {
		return 0, 0, err
	}
	if err := t.model.SetBatch(t.in, t.images, t.targets); err != nil {
		return 0, 0, err
	}
	if err := t.model.SetHyper(t.in, lr, cfg.Beta1, cfg.Beta2, int(step)+1, cfg.ClipGrad); err != nil {
		return 0, 0, err
	}
	if err := t.rec.Run(); err != nil {
		return 0, 0, fmt.Errorf("finetune: step %d: %w", step+1, err)
	}
	loss, _, logits, err := ReadOutputs(t.in)
	if err != nil {
		return 0, 0, err
	}
	right := 0
	for i := range labels {
		want := labels[i]
		if lam < 0.5 {
			want = labels[n-1-i]
		}
		if rank(logits[i*cfg.Classes:(i+1)*cfg.Classes], int(want)) == 0 {
			right++
		}
	}
	return loss, float64(right) / float64(n), nil
}

// dropPathScales draws the per-sample scales of every residual branch:
// timm's stochastic depth decay rule gives block i the drop rate
// DropPath·i/(depth − 1); nil when drop path is off.
func dropPathScales(cfg Config, step int64, n int) [][]float64 {
	if cfg.DropPath <= 0 {
		return nil
	}
	depth := cfg.Model.EncDepth
	r := loader.BatchRNG(cfg.Seed, step, rngDropPath)
	out := make([][]float64, 2*depth)
	for i := 0; i < depth; i++ {
		rate := 0.0
		if depth > 1 {
			rate = cfg.DropPath * float64(i) / float64(depth-1)
		}
		for br := 0; br < 2; br++ {
			u := make([]float64, n)
			for j := range u {
				u[j] = r.Float64()
			}
			out[2*i+br] = ops.DropPathScales(u, rate)
		}
	}
	return out
}
