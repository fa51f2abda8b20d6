package finetune

import (
	"fmt"
	"math"

	"github.com/mae-vk/mae-vk/mae"
)

// HeadInitStd is the standard deviation of the head weight's truncated
// normal initialisation in main_finetune.py (trunc_normal_(std=2e-5)).
const HeadInitStd = 2e-5

// FromPretrained returns classifier parameters for classes outputs built
// from MAE parameters pre: the encoder tensors (cls_token, pos_embed,
// patch_embed, blocks) copied by name, fc_norm set to weight 1, bias 0,
// and the head weight drawn from N(0, HeadInitStd²) truncated at ±2 std
// with a generator seeded by seed, its bias 0. The encoder's final norm
// is dropped, as models_vit does with global_pool.
func FromPretrained(pre *mae.Params, classes int, seed uint64) (*mae.Params, error) {
	l, err := NewLayout(pre.Config, classes)
	if err != nil {
		return nil, err
	}
	p := &mae.Params{Config: pre.Config, Layout: l, Data: make([]float32, l.Len)}
	for _, t := range l.Tensors {
		if _, ok := pre.Layout.Lookup(t.Name); ok {
			copy(p.View(t.Name), pre.View(t.Name))
		}
	}
	for i := range p.View("fc_norm.weight") {
		p.View("fc_norm.weight")[i] = 1
	}
	rng := mae.NewRNG(seed ^ 0x68656164 /* "head" */)
	w := p.View("head.weight")
	for i := range w {
		v := rng.Normal()
		for math.Abs(v) > 2 {
			v = rng.Normal()
		}
		w[i] = float32(HeadInitStd * v)
	}
	return p, nil
}

// RandomInit returns classifier parameters with the encoder initialised as
// MAE pre-training initialises it (mae.Init: xavier weights, the fixed
// sin-cos table as the starting position embedding) and the head as
// FromPretrained does: the baseline "from scratch" with the same recipe.
func RandomInit(cfg mae.Config, classes int, seed uint64) (*mae.Params, error) {
	pre, err := mae.Init(cfg, seed)
	if err != nil {
		return nil, fmt.Errorf("finetune: %w", err)
	}
	return FromPretrained(pre, classes, seed)
}
