package ops

import (
	"fmt"
	"math"
)

// NormPixEps is the variance epsilon of the reference's normalized-pixel
// target: (target − mean) / (var + 1e-6)**.5.
const NormPixEps = 1e-6

// NormPixTargetRef returns the normalized-pixel target of the reference: each
// patch of target [N, L, P] standardized by its own mean and unbiased variance
// (torch.var's default, dividing by P − 1):
//
//	μ   = (1/P) Σ_e t[e]
//	σ²  = (1/(P−1)) Σ_e (t[e] − μ)²
//	t'[e] = (t[e] − μ) / √(σ² + 1e-6)
//
// It panics if len(target) != N·L·P or P < 2.
func NormPixTargetRef(target []float64, n, l, p int) []float64 {
	checkLen("NormPixTargetRef", "target", len(target), n, l, p)
	if p < 2 {
		panic(fmt.Sprintf("ops: NormPixTargetRef: patch size P = %d, want ≥ 2 for the unbiased variance", p))
	}
	y := make([]float64, len(target))
	for r := 0; r < n*l; r++ {
		t := target[r*p : r*p+p]
		mu, vr := meanVarRef(t, 1)
		inv := 1 / math.Sqrt(vr+NormPixEps)
		for e, v := range t {
			y[r*p+e] = (v - mu) * inv
		}
	}
	return y
}

// MaskedMSELossRef is the reference's forward_loss: the mean squared error of
// pred [N, L, P] against target [N, L, P] (normalized per patch by
// NormPixTargetRef when normPix) averaged over the masked patches (mask [N, L],
// 1 = masked/removed, 0 = visible). It returns the loss and dLoss/dPred:
//
//	mse[n,l]   = (1/P) Σ_e (pred[n,l,e] − t'[n,l,e])²
//	loss       = Σ_{n,l} mse[n,l]·mask[n,l] / Σ_{n,l} mask[n,l]
//	dpred[n,l,e] = 2·mask[n,l]·(pred[n,l,e] − t'[n,l,e]) / (P · Σ mask)
//
// The loss is NaN when the mask is all zeros, as in the reference. It panics
// on a length mismatch (or P < 2 with normPix).
func MaskedMSELossRef(pred, target, mask []float64, n, l, p int, normPix bool) (loss float64, dpred []float64) {
	checkLen("MaskedMSELossRef", "pred", len(pred), n, l, p)
	checkLen("MaskedMSELossRef", "target", len(target), n, l, p)
	checkLen("MaskedMSELossRef", "mask", len(mask), n, l)
	t := target
	if normPix {
		t = NormPixTargetRef(target, n, l, p)
	}
	msum := SumRef(mask)
	dpred = make([]float64, len(pred))
	num := 0.0
	for r := 0; r < n*l; r++ {
		mse := 0.0
		for e := r * p; e < r*p+p; e++ {
			diff := pred[e] - t[e]
			mse += diff * diff
			dpred[e] = 2 * mask[r] * diff / (float64(p) * msum)
		}
		num += mse / float64(p) * mask[r]
	}
	return num / msum, dpred
}
