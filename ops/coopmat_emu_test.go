package ops

import (
	"testing"
)

// TestCoopMatEmulationLongLoop runs the emulated cooperative-matrix GEMM
// over a long K loop (256 multiply-adds per subgroup). With every lane
// holding whole fragments in dynamically indexed arrays, llvmpipe (Mesa
// 22.3) returned garbage past ~100 iterations; coopmat.glsl's emulation
// now keeps only constant-indexed per-slot rows and columns.
func TestCoopMatEmulationLongLoop(t *testing.T) {
	g := newGPU(t)
	plan, err := g.o.PlanCoopMat(true)
	if err != nil {
		t.Fatal(err)
	}
	plan.WM, plan.WN, plan.FM, plan.FN = 1, 1, 1, 1
	gc := newGemmCase(newTestRand(4096), GemmSpec{M: 16, N: 16, K: 4096, Batch: 1, Alpha: 1})
	checkCoopMat(t, g, plan, []gemmCase{gc})
}

// TestCoopMatEmulationLongLoopFragments runs the emulated GEMM with a 2×2
// block of fragments per subgroup (what PlanCoopMat gives real devices:
// alone, and in 2×2 subgroups) over long K loops (K ≥ 800). Before
// coopmat.glsl kept lanes' data in fixed positions, llvmpipe returned
// garbage there, so the emulated plan kept one fragment per subgroup; it
// now takes the real devices' 2×2 subgroups of 2×2 fragments where they
// fit, with K staged two fragments at a time.
func TestCoopMatEmulationLongLoopFragments(t *testing.T) {
	g := newGPU(t)
	plan, err := g.o.PlanCoopMat(true)
	if err != nil {
		t.Fatal(err)
	}
	big := plan
	big.WM, big.WN, big.FM, big.FN, big.KSteps = 2, 2, 2, 2, 2
	if coopMatPlanFits(big, g.d.Info) && plan != big {
		t.Errorf("PlanCoopMat(true) = %v, want %v (it fits)", plan, big)
	}
	for _, c := range []struct {
		w    [5]int
		spec GemmSpec
	}{
		{[5]int{1, 1, 2, 2, 1}, GemmSpec{M: 2 * plan.M, N: 2 * plan.N, K: 1024, Batch: 1, Alpha: 1}},
		{[5]int{2, 2, 2, 2, 2}, GemmSpec{M: 4*plan.M + 3, N: 4*plan.N - 5, K: 837, Batch: 1, Alpha: 1, TransB: true, Bias: true}},
	} {
		p := plan
		p.WM, p.WN, p.FM, p.FN, p.KSteps = c.w[0], c.w[1], c.w[2], c.w[3], c.w[4]
		t.Run(p.String(), func(t *testing.T) {
			checkCoopMat(t, g, p, []gemmCase{newGemmCase(newTestRand(uint64(c.spec.K)), c.spec)})
		})
	}
}
