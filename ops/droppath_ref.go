package ops

import "fmt"

// DropPathRef returns x + scale[n]·b for x, b [N, R] (see DropPath):
//
//	y[n,i] = x[n,i] + scale[n] · b[n,i]
//
// It panics on lengths that do not match.
func DropPathRef(x, b, scale []float64, n, perSample int) []float64 {
	checkLen("DropPathRef", "x", len(x), n, perSample)
	checkLen("DropPathRef", "b", len(b), n, perSample)
	checkLen("DropPathRef", "scale", len(scale), n)
	y := make([]float64, len(x))
	for i := range y {
		y[i] = x[i] + scale[i/perSample]*b[i]
	}
	return y
}

// DropPathBackwardRef returns the branch gradient of DropPathRef:
//
//	db[n,i] = scale[n] · dy[n,i]
func DropPathBackwardRef(dy, scale []float64, n, perSample int) []float64 {
	checkLen("DropPathBackwardRef", "dy", len(dy), n, perSample)
	checkLen("DropPathBackwardRef", "scale", len(scale), n)
	db := make([]float64, len(dy))
	for i := range db {
		db[i] = scale[i/perSample] * dy[i]
	}
	return db
}

// DropPathScales returns the per-sample scales of timm's drop_path with
// drop probability p given one uniform draw in [0, 1) per sample: a
// sample is kept when its draw is below 1 − p, and then scaled by
// 1/(1 − p):
//
//	scale[n] = u[n] < 1 − p ? 1/(1 − p) : 0      (all 1 when p = 0)
//
// It panics unless 0 ≤ p < 1.
func DropPathScales(u []float64, p float64) []float64 {
	if !(p >= 0 && p < 1) {
		panic(fmt.Sprintf("ops: DropPathScales: p = %g, want 0 ≤ p < 1", p))
	}
	s := make([]float64, len(u))
	keep := 1 - p
	for i, v := range u {
		if p == 0 || v < keep {
			s[i] = 1 / keep
		}
	}
	return s
}
