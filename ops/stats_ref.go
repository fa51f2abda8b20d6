package ops

// meanVarRef returns the mean of x and its variance with ddof degrees of
// freedom removed, two-pass in float64 (PyTorch's semantics: ddof 0 for
// LayerNorm's biased variance, 1 for torch.var's default):
//
//	μ  = (1/n) Σ_i x[i]
//	σ² = (1/(n − ddof)) Σ_i (x[i] − μ)²
func meanVarRef(x []float64, ddof int) (mu, vr float64) {
	for _, v := range x {
		mu += v
	}
	mu /= float64(len(x))
	for _, v := range x {
		vr += (v - mu) * (v - mu)
	}
	return mu, vr / float64(len(x)-ddof)
}
