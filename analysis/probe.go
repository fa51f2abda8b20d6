package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ProbeConfig is the linear probe's recipe. The MAE paper (appendix A.2)
// trains the classifier behind a BatchNorm without affine parameters with
// LARS, batch 16384, 90 epochs; on the small data sets here plain SGD with
// momentum reaches the same kind of optimum in far fewer steps:
//
//	x̂ = (x − mean_train) / √(var_train + 1e-6)     BatchNorm, no affine, train statistics
//	logits = x̂·W + b                                W [D, classes], zero init
//	SGD, momentum 0.9, lr·½(1 + cos(π·step/steps)), no weight decay,
//	mini-batches of Batch drawn in a seeded random order every epoch
type ProbeConfig struct {
	Epochs int     // passes over the training features (default 30)
	Batch  int     // mini-batch (default 256)
	LR     float64 // peak learning rate (default 0.1)
	Seed   uint64  // the shuffling order
}

// DefaultProbeConfig is the recipe `mae-vk probe` uses.
func DefaultProbeConfig() ProbeConfig { return ProbeConfig{Epochs: 30, Batch: 256, LR: 0.1} }

// Features are n examples of dim features each with labels in [0, Classes).
type Features struct {
	N, Dim, Classes int
	X               []float32 // [N, Dim]
	Y               []int32   // [N]
}

func (f Features) check(fn string) {
	if len(f.X) != f.N*f.Dim || len(f.Y) != f.N {
		panic(fmt.Sprintf("analysis: %s: %d features and %d labels for %d×%d", fn, len(f.X), len(f.Y), f.N, f.Dim))
	}
}

// LinearProbe trains the probe on train and returns its top-1 accuracy on
// test (a fraction in [0, 1]). It returns an error when the features hold
// a NaN or infinity or the two sets disagree on the width.
func LinearProbe(train, test Features, cfg ProbeConfig) (float64, error) {
	train.check("LinearProbe")
	test.check("LinearProbe")
	if train.Dim != test.Dim {
		return 0, fmt.Errorf("analysis: probe: train features have %d dimensions, test %d", train.Dim, test.Dim)
	}
	if train.N == 0 || test.N == 0 {
		return 0, fmt.Errorf("analysis: probe: %d train and %d test examples", train.N, test.N)
	}
	if cfg.Epochs < 1 || cfg.Batch < 1 || !(cfg.LR > 0) {
		return 0, fmt.Errorf("analysis: probe: epochs %d, batch %d, lr %v: all must be positive", cfg.Epochs, cfg.Batch, cfg.LR)
	}
	classes := max(train.Classes, test.Classes)
	d := train.Dim
	mean, inv := make([]float64, d), make([]float64, d)
	for i := range train.N {
		for j, v := range train.X[i*d : (i+1)*d] {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return 0, fmt.Errorf("analysis: probe: train feature %d of example %d is %v", j, i, v)
			}
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(train.N)
	}
	for i := range train.N {
		for j, v := range train.X[i*d : (i+1)*d] {
			dv := float64(v) - mean[j]
			inv[j] += dv * dv
		}
	}
	for j := range inv {
		inv[j] = 1 / math.Sqrt(inv[j]/float64(train.N)+1e-6)
	}
	norm := func(f Features, i int, dst []float64) {
		for j, v := range f.X[i*d : (i+1)*d] {
			dst[j] = (float64(v) - mean[j]) * inv[j]
		}
	}
	w := make([]float64, (d+1)*classes) // last row: bias
	vel := make([]float64, len(w))
	grad := make([]float64, len(w))
	x := make([]float64, d)
	logits := make([]float64, classes)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x70726f6265))
	order := make([]int, train.N)
	for i := range order {
		order[i] = i
	}
	batch := min(cfg.Batch, train.N)
	perEpoch := max(train.N/batch, 1)
	steps := cfg.Epochs * perEpoch
	step := 0
	for range cfg.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for b := range perEpoch {
			clear(grad)
			for _, i := range order[b*batch : min((b+1)*batch, train.N)] {
				norm(train, i, x)
				forward(w, x, logits, classes)
				softmax(logits)
				logits[train.Y[i]] -= 1
				for j, xv := range x {
					g := grad[j*classes:]
					for c, lv := range logits {
						g[c] += xv * lv
					}
				}
				for c, lv := range logits {
					grad[d*classes+c] += lv
				}
			}
			lr := cfg.LR * 0.5 * (1 + math.Cos(math.Pi*float64(step)/float64(steps)))
			for k := range w {
				vel[k] = 0.9*vel[k] + grad[k]/float64(batch)
				w[k] -= lr * vel[k]
			}
			step++
		}
	}
	correct := 0
	for i := range test.N {
		norm(test, i, x)
		forward(w, x, logits, classes)
		if argmax(logits) == int(test.Y[i]) {
			correct++
		}
	}
	return float64(correct) / float64(test.N), nil
}

func forward(w, x, logits []float64, classes int) {
	copy(logits, w[len(x)*classes:])
	for j, xv := range x {
		for c, wv := range w[j*classes : (j+1)*classes] {
			logits[c] += xv * wv
		}
	}
}

func softmax(v []float64) {
	mx := math.Inf(-1)
	for _, x := range v {
		mx = math.Max(mx, x)
	}
	s := 0.0
	for i, x := range v {
		v[i] = math.Exp(x - mx)
		s += v[i]
	}
	for i := range v {
		v[i] /= s
	}
}

func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
