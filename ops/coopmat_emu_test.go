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
	plan.WM, plan.WN = 1, 1
	gc := newGemmCase(newTestRand(4096), GemmSpec{M: 16, N: 16, K: 4096, Batch: 1, Alpha: 1})
	checkCoopMat(t, g, plan, []gemmCase{gc})
}
