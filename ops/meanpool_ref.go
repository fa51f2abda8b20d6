package ops

// MeanPoolRef returns the mean over tokens skip..T−1 of x [N, T, D]
// (see MeanPool):
//
//	y[n,d] = (1/(T − skip)) Σ_{t ≥ skip} x[n,t,d]
func MeanPoolRef(x []float64, n, t, d, skip int) []float64 {
	checkLen("MeanPoolRef", "x", len(x), n, t, d)
	checkMeanPool("MeanPoolRef", n, t, d, skip)
	y := make([]float64, n*d)
	inv := 1 / float64(t-skip)
	for s := 0; s < n; s++ {
		for k := skip; k < t; k++ {
			for e := 0; e < d; e++ {
				y[s*d+e] += x[(s*t+k)*d+e] * inv
			}
		}
	}
	return y
}

// MeanPoolBackwardRef returns the gradient of MeanPoolRef:
//
//	dx[n,t,d] = t < skip ? 0 : dy[n,d] / (T − skip)
func MeanPoolBackwardRef(dy []float64, n, t, d, skip int) []float64 {
	checkLen("MeanPoolBackwardRef", "dy", len(dy), n, d)
	checkMeanPool("MeanPoolBackwardRef", n, t, d, skip)
	dx := make([]float64, n*t*d)
	inv := 1 / float64(t-skip)
	for s := 0; s < n; s++ {
		for k := skip; k < t; k++ {
			for e := 0; e < d; e++ {
				dx[(s*t+k)*d+e] = dy[s*d+e] * inv
			}
		}
	}
	return dx
}
