package loader

import "math"

// BatchRNG returns the generator of the batch-level augmentation (mixup,
// cutmix, RandAugment, erasing, drop path) of a training step: the same
// (seed, step, purpose) always gives the same stream, so a resumed run
// draws what an uninterrupted one would.
func BatchRNG(seed uint64, step int64, purpose uint64) RNG {
	return RNG{state: derive(seed, tagBatch, uint64(step), purpose)}
}

const tagBatch = 0x62617463685f6175 // "batch_au"

// Normal returns a standard normal value (Box–Muller, cosine branch).
func (r *RNG) Normal() float64 {
	u1 := 1 - r.Float64()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*r.Float64())
}

// Gamma returns a Gamma(alpha, 1) value (Marsaglia and Tsang; for
// alpha < 1 a Gamma(alpha+1) value times U^(1/alpha)). It panics unless
// alpha > 0.
func (r *RNG) Gamma(alpha float64) float64 {
	if !(alpha > 0) {
		panic("loader: RNG.Gamma: alpha must be positive")
	}
	if alpha < 1 {
		return r.Gamma(alpha+1) * math.Pow(1-r.Float64(), 1/alpha)
	}
	d := alpha - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.Normal()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := 1 - r.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

// Beta returns a Beta(a, b) value from two Gamma values.
func (r *RNG) Beta(a, b float64) float64 {
	x := r.Gamma(a)
	return x / (x + r.Gamma(b))
}
