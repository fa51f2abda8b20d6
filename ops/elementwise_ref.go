package ops

// AddRef returns the element-wise sum of a and b:
//
//	y[i] = a[i] + b[i]
//
// It panics if a and b differ in length.
func AddRef(a, b []float64) []float64 {
	checkSameLen("AddRef", "a", "b", len(a), len(b))
	y := make([]float64, len(a))
	for i, v := range a {
		y[i] = v + b[i]
	}
	return y
}

// ScaleRef returns x scaled by alpha:
//
//	y[i] = alpha · x[i]
func ScaleRef(x []float64, alpha float64) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = alpha * v
	}
	return y
}

// BroadcastAddRef returns x [B, L, D] plus a table [L, D] broadcast over the
// batch (the positional-embedding add):
//
//	y[b,l,d] = x[b,l,d] + table[l,d]
//
// It panics if len(x) != B·L·D or len(table) != L·D.
func BroadcastAddRef(x, table []float64, b, l, d int) []float64 {
	checkLen("BroadcastAddRef", "x", len(x), b, l, d)
	checkLen("BroadcastAddRef", "table", len(table), l, d)
	y := make([]float64, len(x))
	for n := 0; n < b; n++ {
		xs := x[n*l*d : (n+1)*l*d]
		ys := y[n*l*d : (n+1)*l*d]
		for i, v := range xs {
			ys[i] = v + table[i]
		}
	}
	return y
}
