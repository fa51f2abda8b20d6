package ops

import (
	"math"
	"testing"
)

func TestSoftCrossEntropyRefValues(t *testing.T) {
	// Two classes, logits (0, log 3): softmax (1/4, 3/4); one-hot on class 1
	// costs −log(3/4).
	loss, d := SoftCrossEntropyRef([]float64{0, math.Log(3)}, []float64{0, 1}, 1, 2)
	checkScalar(t, "loss", loss, -math.Log(0.75), 1e-15)
	checkClose(t, "dlogits", d, []float64{0.25, -0.25}, 1e-15)
	checkClose(t, "smoothed targets", SoftTargets([]int{2, 0}, 4, 0.2), []float64{0.05, 0.05, 0.85, 0.05, 0.85, 0.05, 0.05, 0.05}, 1e-15)
}

func TestSoftCrossEntropyRefFiniteDiff(t *testing.T) {
	r := newTestRand(1501)
	n, c := 3, 5
	z := randSlice(r, n*c)
	tg := randSlice(r, n*c)
	for i := range tg {
		tg[i] = math.Abs(tg[i]) // soft targets need not sum to 1 for the gradient formula
	}
	f := func() float64 { l, _ := SoftCrossEntropyRef(z, tg, n, c); return l }
	_, d := SoftCrossEntropyRef(z, tg, n, c)
	checkClose(t, "dlogits", d, numGrad(z, f), gradTol)
}

func TestDropPathRefFiniteDiff(t *testing.T) {
	r := newTestRand(1502)
	n, per := 3, 7
	x, b, w := randSlice(r, n*per), randSlice(r, n*per), randSlice(r, n*per)
	s := DropPathScales([]float64{0.1, 0.95, 0.5}, 0.3)
	checkClose(t, "scales", s, []float64{1 / 0.7, 0, 1 / 0.7}, 1e-15)
	f := func() float64 { return dotTest(w, DropPathRef(x, b, s, n, per)) }
	checkClose(t, "db", DropPathBackwardRef(w, s, n, per), numGrad(b, f), gradTol)
	checkClose(t, "dx", w, numGrad(x, f), gradTol)
}

func TestMeanPoolRefFiniteDiff(t *testing.T) {
	r := newTestRand(1503)
	n, tk, d := 2, 5, 3
	x := randSlice(r, n*tk*d)
	w := randSlice(r, n*d)
	y := MeanPoolRef(x, n, tk, d, 1)
	checkScalar(t, "y[0]", y[0], (x[3]+x[6]+x[9]+x[12])/4, 1e-15)
	f := func() float64 { return dotTest(w, MeanPoolRef(x, n, tk, d, 1)) }
	checkClose(t, "dx", MeanPoolBackwardRef(w, n, tk, d, 1), numGrad(x, f), gradTol)
}

func TestClassifierHeadRefFiniteDiff(t *testing.T) {
	r := newTestRand(1504)
	n, tk, d, c := 3, 4, 6, 5
	x, nw, nb := randSlice(r, n*tk*d), randSlice(r, d), randSlice(r, d)
	hw, hb, w := randSlice(r, c*d), randSlice(r, c), randSlice(r, n*c)
	f := func() float64 {
		l, _ := ClassifierHeadRef(x, nw, nb, hw, hb, n, tk, d, c, 1e-6)
		return dotTest(w, l)
	}
	_, cache := ClassifierHeadRef(x, nw, nb, hw, hb, n, tk, d, c, 1e-6)
	g := ClassifierHeadBackwardRef(cache, nw, hw, w, n, tk, d, c)
	checkClose(t, "dx", g.DX, numGrad(x, f), 1e-6)
	checkClose(t, "dNormW", g.DNormW, numGrad(nw, f), 1e-6)
	checkClose(t, "dNormB", g.DNormB, numGrad(nb, f), 1e-6)
	checkClose(t, "dHeadW", g.DHeadW, numGrad(hw, f), 1e-6)
	checkClose(t, "dHeadB", g.DHeadB, numGrad(hb, f), 1e-6)
}
