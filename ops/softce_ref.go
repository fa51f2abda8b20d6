package ops

import "math"

// SoftCrossEntropyRef returns the mean softmax cross-entropy of logits
// [N, C] against soft targets [N, C] and its gradient (see
// SoftCrossEntropy):
//
//	loss         = (1/N) Σ_n Σ_c target[n,c] · (lse[n] − logits[n,c])
//	dlogits[n,c] = (softmax(logits[n])[c] · Σ_c target[n,c] − target[n,c]) / N
//
// It panics on a length that does not match N·C.
func SoftCrossEntropyRef(logits, target []float64, n, c int) (loss float64, dlogits []float64) {
	checkLen("SoftCrossEntropyRef", "logits", len(logits), n, c)
	checkLen("SoftCrossEntropyRef", "target", len(target), n, c)
	dlogits = make([]float64, n*c)
	for s := 0; s < n; s++ {
		z, t := logits[s*c:(s+1)*c], target[s*c:(s+1)*c]
		m := math.Inf(-1)
		for _, v := range z {
			m = math.Max(m, v)
		}
		sum, tsum := 0.0, 0.0
		for k, v := range z {
			sum += math.Exp(v - m)
			tsum += t[k]
		}
		lse := m + math.Log(sum)
		for k, v := range z {
			loss += t[k] * (lse - v)
			dlogits[s*c+k] = (math.Exp(v-lse)*tsum - t[k]) / float64(n)
		}
	}
	return loss / float64(n), dlogits
}

// SoftTargets returns the soft targets [N, C] of integer labels with label
// smoothing eps, as timm's Mixup without mixing:
//
//	target[n,c] = 1 − eps + eps/C   if c = labels[n]
//	            = eps/C             otherwise
func SoftTargets(labels []int, c int, eps float64) []float64 {
	t := make([]float64, len(labels)*c)
	off, on := eps/float64(c), 1-eps+eps/float64(c)
	for s, l := range labels {
		for k := 0; k < c; k++ {
			t[s*c+k] = off
		}
		t[s*c+l] = on
	}
	return t
}
