package ops

import "testing"

func TestElementwiseRef(t *testing.T) {
	a, b := []float64{1, 2, 3}, []float64{10, 20, 30}
	checkClose(t, "add", AddRef(a, b), []float64{11, 22, 33}, 0)
	checkClose(t, "scale", ScaleRef(a, -2), []float64{-2, -4, -6}, 0)
	x := []float64{1, 1, 1}
	ResidualAddRef(x, b)
	checkClose(t, "residual", x, []float64{11, 21, 31}, 0)
	// [B=2, L=2, D=1] plus the table (100, 200).
	y := BroadcastAddRef([]float64{1, 2, 3, 4}, []float64{100, 200}, 2, 2, 1)
	checkClose(t, "broadcast", y, []float64{101, 202, 103, 204}, 0)
}

func TestBroadcastAddBackwardRefFiniteDiff(t *testing.T) {
	r := newTestRand(40)
	b, l, d := 3, 4, 2
	x, table, w := randSlice(r, b*l*d), randSlice(r, l*d), randSlice(r, b*l*d)
	f := func() float64 { return dotTest(w, BroadcastAddRef(x, table, b, l, d)) }
	checkClose(t, "dtable", BroadcastAddBackwardRef(w, b, l, d), numGrad(table, f), gradTol)
}
