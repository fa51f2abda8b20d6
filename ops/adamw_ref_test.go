package ops

import "testing"

// TestAdamWRefTwoSteps follows two AdamW steps by hand with lr 0.1, β1 0.9,
// β2 0.999, eps 1e-8, wd 0.01 from p = 1, m = v = 0 with gradients 0.5 then
// −0.25, for one decayed and one undecayed element.
//
// Step 1: decay 1·(1 − 0.001) = 0.999; m = 0.05; v = 0.00025; bc1 = 0.1,
// bc2 = 0.001; denom = √0.25 + 1e-8 = 0.50000001; p = 0.999 − 1·0.05/0.50000001
// = 0.899000002 (undecayed: 0.900000002).
//
// Step 2: decay 0.899000002·0.999 = 0.898101001998; m = 0.045 − 0.025 = 0.02;
// v = 0.00024975 + 0.0000625 = 0.00031225; bc1 = 0.19, bc2 = 0.001999;
// denom = √(0.00031225/0.001999) + 1e-8 = 0.3952253806…;
// p = 0.898101001998 − (0.1/0.19)·0.02/0.3952253806… = 0.87146729870584…
// (undecayed: 0.900000002 − 0.0266337… = 0.87336629870784…).
func TestAdamWRefTwoSteps(t *testing.T) {
	p := []float64{1, 1}
	m := make([]float64, 2)
	v := make([]float64, 2)
	decay := []bool{true, false}
	s := AdamWSpec{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}
	s.Step = 1
	AdamWRef(s, p, []float64{0.5, 0.5}, m, v, decay)
	checkClose(t, "p after step 1", p, []float64{0.899000002, 0.900000002}, 1e-15)
	checkClose(t, "m after step 1", m, []float64{0.05, 0.05}, 1e-15)
	checkClose(t, "v after step 1", v, []float64{0.00025, 0.00025}, 1e-15)
	s.Step = 2
	AdamWRef(s, p, []float64{-0.25, -0.25}, m, v, decay)
	checkClose(t, "p after step 2", p, []float64{0.8714672987058463, 0.8733662987078463}, 1e-14)
	checkClose(t, "m after step 2", m, []float64{0.02, 0.02}, 1e-15)
	checkClose(t, "v after step 2", v, []float64{0.00031225, 0.00031225}, 1e-14)
}

func TestGradNormAndClip(t *testing.T) {
	n := GradNormRef([]float64{3, 4})
	checkScalar(t, "norm", n, 5, 0)
	checkScalar(t, "clip", ClipScaleRef(n, 1), 1/(5+1e-6), 1e-15)
	checkScalar(t, "no clip", ClipScaleRef(n, 10), 1, 0)
}
