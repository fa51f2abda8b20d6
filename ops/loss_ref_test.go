package ops

import (
	"math"
	"testing"
)

func TestNormPixTargetRef(t *testing.T) {
	// Patch (1, 2, 3): mean 2, unbiased variance 1.
	got := NormPixTargetRef([]float64{1, 2, 3}, 1, 1, 3)
	s := 1 / math.Sqrt(1+NormPixEps)
	checkClose(t, "t'", got, []float64{-s, 0, s}, 1e-15)
}

func TestMaskedMSELossRefHand(t *testing.T) {
	// Two patches of P=2, only the second masked; no normalization:
	// mse = ((1−0)² + (3−1)²)/2 = 2.5.
	pred := []float64{9, 9, 1, 3}
	target := []float64{0, 0, 0, 1}
	loss, d := MaskedMSELossRef(pred, target, []float64{0, 1}, 1, 2, 2, false)
	checkScalar(t, "loss", loss, 2.5, 1e-15)
	checkClose(t, "dpred", d, []float64{0, 0, 1, 2}, 1e-15)
}

func TestMaskedMSELossRefFiniteDiff(t *testing.T) {
	r := newTestRand(70)
	n, l, p := 2, 3, 5
	pred, target := randSlice(r, n*l*p), randSlice(r, n*l*p)
	mask := []float64{1, 0, 1, 1, 1, 0}
	for _, norm := range []bool{false, true} {
		f := func() float64 {
			loss, _ := MaskedMSELossRef(pred, target, mask, n, l, p, norm)
			return loss
		}
		_, d := MaskedMSELossRef(pred, target, mask, n, l, p, norm)
		checkClose(t, "dpred", d, numGrad(pred, f), gradTol)
	}
}
