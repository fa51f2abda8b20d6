package ops

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Shared helpers for the reference tests (and for the device tests that check
// kernels against the references).

// newTestRand returns a deterministic generator for test inputs.
func newTestRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
}

// randSlice returns n values uniform in [-1, 1).
func randSlice(r *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = 2*r.Float64() - 1
	}
	return x
}

// relErr returns ‖a − b‖₂ / ‖b‖₂ (the absolute error when b is zero). It
// returns +Inf when the lengths differ or any element of a or b is NaN or
// infinite, so a comparison against a tolerance always fails on those.
func relErr(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var num, den float64
	for i := range a {
		if math.IsNaN(a[i]) || math.IsNaN(b[i]) || math.IsInf(a[i], 0) || math.IsInf(b[i], 0) {
			return math.Inf(1)
		}
		num += (a[i] - b[i]) * (a[i] - b[i])
		den += b[i] * b[i]
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

// checkClose fails the test if relErr(got, want) > tol (or is NaN).
func checkClose(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	if e := relErr(got, want); !(e <= tol) {
		t.Errorf("%s: relative error %.3g > %.3g", name, e, tol)
	}
}

// checkScalar fails the test if |got − want| > tol·max(1, |want|).
func checkScalar(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if d := math.Abs(got - want); !(d <= tol*math.Max(1, math.Abs(want))) {
		t.Errorf("%s = %.17g, want %.17g", name, got, want)
	}
}

// fdStep is the central-difference step used by the gradient checks.
const fdStep = 1e-5

// numGrad returns the central finite-difference gradient of f with respect to
// every element of x, perturbing x in place and restoring it:
//
//	g[i] = (f(x + h·e_i) − f(x − h·e_i)) / 2h
func numGrad(x []float64, f func() float64) []float64 {
	g := make([]float64, len(x))
	for i := range x {
		x0 := x[i]
		x[i] = x0 + fdStep
		fp := f()
		x[i] = x0 - fdStep
		fm := f()
		x[i] = x0
		g[i] = (fp - fm) / (2 * fdStep)
	}
	return g
}

// dotTest returns Σ_i a[i]·b[i], the projection used to turn an op's output
// into a scalar for gradient checks (dL/dy = w for L = dotTest(w, y)).
func dotTest(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// gradTol is the relative error allowed between analytic and
// finite-difference gradients in float64.
const gradTol = 1e-7

// nan returns a quiet NaN, for inputs that must never be read.
func nan() float64 { return math.NaN() }

// toF32 rounds a float64 slice to float32 (inputs for device buffers).
func toF32(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

// toF64 widens a float32 slice (device results) for comparison.
func toF64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}
