package ops

import "math"

// RoundHalfRef rounds v to the nearest value of the 16-bit format p (FP16
// or BF16), ties to even, overflowing to ±Inf; NaN stays NaN. It works on
// the value (quantum of v's binade, math.RoundToEven) rather than on bits,
// as an independent check of HalfBits and of the device's conversions.
func RoundHalfRef(p Precision, v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) || v == 0 {
		return v
	}
	mant, minExp, maxFinite := 10, -14, 65504.0 // binary16
	if p == BF16 {
		mant, minExp, maxFinite = 7, -126, (2-math.Pow(2, -7))*math.Pow(2, 127)
	}
	_, e := math.Frexp(v) // |v| in [2^(e-1), 2^e)
	exp := max(e-1, minExp)
	q := math.Pow(2, float64(exp-mant))
	r := math.RoundToEven(v/q) * q
	if math.Abs(r) > maxFinite {
		return math.Copysign(math.Inf(1), v)
	}
	return r
}

// RoundHalfSliceRef applies RoundHalfRef to every element of v in place
// and returns v; FP32 rounds to float32.
func RoundHalfSliceRef(p Precision, v []float64) []float64 {
	for i, x := range v {
		if p == FP32 {
			v[i] = float64(float32(x))
		} else {
			v[i] = RoundHalfRef(p, x)
		}
	}
	return v
}
