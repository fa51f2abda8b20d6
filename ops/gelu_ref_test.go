package ops

import "testing"

func TestGeluRefValues(t *testing.T) {
	// Φ(1) = 0.8413447460685429, Φ(-1) = 1 − Φ(1).
	got := GeluRef([]float64{0, 1, -1, 10})
	checkClose(t, "gelu", got, []float64{0, 0.8413447460685429, -0.15865525393145707, 10}, 1e-15)
}

func TestGeluBackwardRefFiniteDiff(t *testing.T) {
	r := newTestRand(30)
	x := randSlice(r, 20)
	for i := range x {
		x[i] *= 4
	}
	w := randSlice(r, len(x))
	f := func() float64 { return dotTest(w, GeluRef(x)) }
	checkClose(t, "dx", GeluBackwardRef(x, w), numGrad(x, f), gradTol)
}
