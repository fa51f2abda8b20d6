package ops

import "testing"

func TestLayerNormRefNormalizes(t *testing.T) {
	r := newTestRand(20)
	rows, dim := 3, 6
	x := randSlice(r, rows*dim)
	ones, zeros := make([]float64, dim), make([]float64, dim)
	for i := range ones {
		ones[i] = 1
	}
	y, mean, rstd := LayerNormRef(x, ones, zeros, rows, dim, 0)
	for rw := 0; rw < rows; rw++ {
		yr := y[rw*dim : rw*dim+dim]
		checkScalar(t, "row mean", MeanRef(yr), 0, 1e-14)
		checkScalar(t, "row biased variance", SumSquaresRef(yr)/float64(dim), 1, 1e-13)
		checkScalar(t, "saved mean", mean[rw], MeanRef(x[rw*dim:rw*dim+dim]), 1e-15)
	}
	_ = rstd
	// Hand example: x = (1, 3), eps = 0: mean 2, variance 1, y = (-1, 1)·γ + β.
	y, mean, rstd = LayerNormRef([]float64{1, 3}, []float64{2, 3}, []float64{0.5, -0.5}, 1, 2, 0)
	checkClose(t, "hand y", y, []float64{-1.5, 2.5}, 1e-15)
	checkScalar(t, "hand mean", mean[0], 2, 0)
	checkScalar(t, "hand rstd", rstd[0], 1, 0)
}

func TestLayerNormBackwardRefFiniteDiff(t *testing.T) {
	r := newTestRand(21)
	rows, dim := 4, 5
	x, g, b := randSlice(r, rows*dim), randSlice(r, dim), randSlice(r, dim)
	wy := randSlice(r, rows*dim)
	f := func() float64 {
		y, _, _ := LayerNormRef(x, g, b, rows, dim, DefaultLNEps)
		return dotTest(wy, y)
	}
	_, mean, rstd := LayerNormRef(x, g, b, rows, dim, DefaultLNEps)
	dx, dg, db := LayerNormBackwardRef(x, g, mean, rstd, wy, rows, dim)
	checkClose(t, "dx", dx, numGrad(x, f), gradTol)
	checkClose(t, "dgamma", dg, numGrad(g, f), gradTol)
	checkClose(t, "dbeta", db, numGrad(b, f), gradTol)
}
