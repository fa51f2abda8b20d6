package rng

import "math"

// Gamma returns a Gamma(alpha, 1) value (Marsaglia and Tsang; for
// alpha < 1 a Gamma(alpha+1) value times U^(1/alpha)). It panics unless
// alpha > 0.
func (r *RNG) Gamma(alpha float64) float64 {
	if !(alpha > 0) {
		panic("rng: Gamma: alpha must be positive")
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
