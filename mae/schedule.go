package mae

import "math"

// Schedule is the reference's learning-rate schedule (util/lr_sched.py),
// set every step from the fractional epoch:
//
//	lr = base · e / warmup                                      e < warmup
//	lr = min + (base − min) · ½ (1 + cos(π (e − warmup)/(epochs − warmup)))   after
type Schedule struct {
	Base, Min      float64
	Warmup, Epochs float64
}

// At returns the learning rate at fractional epoch e.
func (s Schedule) At(e float64) float64 {
	if e < s.Warmup {
		return s.Base * e / s.Warmup
	}
	if s.Epochs <= s.Warmup {
		return s.Base
	}
	return s.Min + (s.Base-s.Min)*0.5*(1+math.Cos(math.Pi*(e-s.Warmup)/(s.Epochs-s.Warmup)))
}
