package ops

import "math"

// gelu is the exact (erf) Gaussian error linear unit.
func gelu(x float64) float64 {
	return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
}

// geluGrad is the derivative of gelu: Φ(x) + x·φ(x).
func geluGrad(x float64) float64 {
	cdf := 0.5 * (1 + math.Erf(x/math.Sqrt2))
	pdf := math.Exp(-0.5*x*x) / math.Sqrt(2*math.Pi)
	return cdf + x*pdf
}

// GeluRef returns the exact GELU of every element, as PyTorch's nn.GELU()
// with approximate='none':
//
//	y = 0.5 · x · (1 + erf(x/√2))
func GeluRef(x []float64) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = gelu(v)
	}
	return y
}

// GeluBackwardRef returns dx for y = GeluRef(x) given dy:
//
//	dx = dy · (Φ(x) + x·φ(x)),  Φ(x) = 0.5·(1 + erf(x/√2)),  φ(x) = exp(−x²/2)/√(2π)
//
// It panics if x and dy differ in length.
func GeluBackwardRef(x, dy []float64) []float64 {
	checkSameLen("GeluBackwardRef", "x", "dy", len(x), len(dy))
	dx := make([]float64, len(x))
	for i, v := range x {
		dx[i] = dy[i] * geluGrad(v)
	}
	return dx
}
