package ops

// SumRef returns the sum of the elements of x (0 for an empty slice):
//
//	s = Σ_i x[i]
func SumRef(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

// MeanRef returns the arithmetic mean of x (NaN for an empty slice):
//
//	m = (1/n) Σ_i x[i]
func MeanRef(x []float64) float64 {
	return SumRef(x) / float64(len(x))
}

// SumSquaresRef returns the sum of the squares of the elements of x:
//
//	s = Σ_i x[i]²
func SumSquaresRef(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v * v
	}
	return s
}

// dot returns Σ_i a[i]·b[i] over len(a) terms, accumulated in order.
func dot(a, b []float64) float64 {
	b = b[:len(a)] // lets the compiler drop bounds checks
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}
