package ops

import "testing"

func TestReduceRef(t *testing.T) {
	x := []float64{1, -2, 3, 4}
	checkScalar(t, "sum", SumRef(x), 6, 0)
	checkScalar(t, "mean", MeanRef(x), 1.5, 0)
	checkScalar(t, "sum of squares", SumSquaresRef(x), 30, 0)
	checkScalar(t, "empty sum", SumRef(nil), 0, 0)
}
