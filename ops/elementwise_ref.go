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

// ResidualAddRef adds r into x in place, the residual connection of a
// transformer block (its backward passes dy through to both inputs unchanged):
//
//	x[i] = x[i] + r[i]
//
// It panics if x and r differ in length.
func ResidualAddRef(x, r []float64) {
	checkSameLen("ResidualAddRef", "x", "r", len(x), len(r))
	for i, v := range r {
		x[i] += v
	}
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

// BroadcastAddBackwardRef returns the table gradient of BroadcastAddRef, the
// sum of dy [B, L, D] over the batch (the x gradient is dy itself):
//
//	dtable[l,d] = Σ_b dy[b,l,d]
//
// It panics if len(dy) != B·L·D.
func BroadcastAddBackwardRef(dy []float64, b, l, d int) []float64 {
	checkLen("BroadcastAddBackwardRef", "dy", len(dy), b, l, d)
	dt := make([]float64, l*d)
	for n := 0; n < b; n++ {
		for i, v := range dy[n*l*d : (n+1)*l*d] {
			dt[i] += v
		}
	}
	return dt
}
