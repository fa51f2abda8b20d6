package ops

import (
	"fmt"
	"math"
)

// AdamWSpec holds the hyper-parameters of one AdamW step. Step is the 1-based
// step count after increment (1 on the first update), as PyTorch's state
// "step".
type AdamWSpec struct {
	LR          float64
	Beta1       float64
	Beta2       float64
	Eps         float64
	WeightDecay float64
	Step        int
}

// AdamWRef applies one step of torch.optim.AdamW (amsgrad=False,
// maximize=False) in place to the flat parameter buffer p with gradient g and
// moments m, v. decay[i] says whether element i takes weight decay; a nil
// decay decays every element. With bc1 = 1 − β1^t and bc2 = 1 − β2^t:
//
//	p = p − lr·wd·p                     (only where decay[i])
//	m = β1·m + (1 − β1)·g
//	v = β2·v + (1 − β2)·g²
//	p = p − (lr/bc1) · m / (√v/√bc2 + eps)
//
// It panics if the slices differ in length or Step < 1.
func AdamWRef(s AdamWSpec, p, g, m, v []float64, decay []bool) {
	checkSameLen("AdamWRef", "p", "g", len(p), len(g))
	checkSameLen("AdamWRef", "p", "m", len(p), len(m))
	checkSameLen("AdamWRef", "p", "v", len(p), len(v))
	if decay != nil {
		checkSameLen("AdamWRef", "p", "decay", len(p), len(decay))
	}
	if s.Step < 1 {
		panic(fmt.Sprintf("ops: AdamWRef: Step = %d, want ≥ 1", s.Step))
	}
	t := float64(s.Step)
	bc1 := 1 - math.Pow(s.Beta1, t)
	bc2 := 1 - math.Pow(s.Beta2, t)
	stepSize := s.LR / bc1
	bc2Sqrt := math.Sqrt(bc2)
	for i := range p {
		if decay == nil || decay[i] {
			p[i] *= 1 - s.LR*s.WeightDecay
		}
		m[i] = s.Beta1*m[i] + (1-s.Beta1)*g[i]
		v[i] = s.Beta2*v[i] + (1-s.Beta2)*g[i]*g[i]
		denom := math.Sqrt(v[i])/bc2Sqrt + s.Eps
		p[i] -= stepSize * m[i] / denom
	}
}

// GradNormRef returns the global L2 norm of a flat gradient buffer:
//
//	‖g‖ = √(Σ_i g[i]²)
func GradNormRef(g []float64) float64 {
	return math.Sqrt(SumSquaresRef(g))
}

// ClipScaleRef returns the factor torch.nn.utils.clip_grad_norm_ multiplies
// the gradients by for a total norm and a max norm:
//
//	scale = min(1, maxNorm / (norm + 1e-6))
func ClipScaleRef(norm, maxNorm float64) float64 {
	return math.Min(1, maxNorm/(norm+1e-6))
}
