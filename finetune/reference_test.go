package finetune

import (
	"math"
	"testing"
)

// TestReferenceFiniteDifferences checks Reference's analytic gradient
// against central differences of its loss at a few elements of every
// tensor (drop path on, mixed soft targets).
func TestReferenceFiniteDifferences(t *testing.T) {
	tc := testCases(t)[1] // odd: 3 channels, 9 patches, 7 classes
	tc.n = 2
	p := testParams(t, tc.cfg, tc.classes, 3)
	images, targets, scales := testBatch(tc.cfg, tc.classes, tc.n, 4, true)
	params := p.Float64()
	img, tg := widen(images), widen(targets)
	ref := Reference(tc.cfg, tc.classes, params, img, tc.n, tg, scales)
	const h = 1e-5
	for _, tn := range p.Layout.Tensors {
		v := params[tn.Name]
		for _, i := range []int{0, len(v) / 2, len(v) - 1} {
			x0 := v[i]
			v[i] = x0 + h
			lp := Reference(tc.cfg, tc.classes, params, img, tc.n, tg, scales).Loss
			v[i] = x0 - h
			lm := Reference(tc.cfg, tc.classes, params, img, tc.n, tg, scales).Loss
			v[i] = x0
			num, got := (lp-lm)/(2*h), ref.Grads[tn.Name][i]
			if !(math.Abs(num-got) <= 1e-6+1e-5*math.Abs(num)) {
				t.Errorf("%s[%d]: analytic %.9g, numeric %.9g", tn.Name, i, got, num)
			}
		}
	}
}
