package ops

import "testing"

func TestElementwiseRef(t *testing.T) {
	a, b := []float64{1, 2, 3}, []float64{10, 20, 30}
	checkClose(t, "add", AddRef(a, b), []float64{11, 22, 33}, 0)
	checkClose(t, "scale", ScaleRef(a, -2), []float64{-2, -4, -6}, 0)
	// [B=2, L=2, D=1] plus the table (100, 200).
	y := BroadcastAddRef([]float64{1, 2, 3, 4}, []float64{100, 200}, 2, 2, 1)
	checkClose(t, "broadcast", y, []float64{101, 202, 103, 204}, 0)
}
