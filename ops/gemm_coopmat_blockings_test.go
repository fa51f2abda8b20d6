package ops

import (
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// TestCoopMatBlockingsWithinKernel: every blocking tuning tries is within
// gemm_coopmat.comp's FRAG_MAX and KSTEP_MAX (a real device's for
// coopMatBlockings, the emulation's for coopMatEmuBlockings), so that no
// candidate fails at dispatch on the GPU; and on an H100-like device
// (48 KiB shared memory, 1024 invocations, subgroups of 32) the large
// blockings fit: up to 128×128 blocks with 16×16 fragments.
func TestCoopMatBlockingsWithinKernel(t *testing.T) {
	for _, c := range []struct {
		list     [][5]int
		emulated bool
	}{{coopMatBlockings, false}, {coopMatEmuBlockings, true}} {
		for _, b := range c.list {
			p := CoopMatPlan{M: 16, N: 16, K: 16, WM: b[0], WN: b[1], FM: b[2], FN: b[3], KSteps: b[4], Emulated: c.emulated}
			fmax, kmax := p.coopMatMax()
			if b[0] < 1 || b[1] < 1 || b[2] < 1 || b[2] > fmax || b[3] < 1 || b[3] > fmax || b[4] < 1 || b[4] > kmax {
				t.Errorf("blocking %v (emulated %v): want WM, WN ≥ 1, FM, FN in 1..%d, KSteps in 1..%d", b, c.emulated, fmax, kmax)
			}
		}
	}
	h100 := vk.DeviceInfo{MaxInvocations: 1024, SharedMemoryBytes: 48 << 10, SubgroupSize: 32}
	biggest := 0
	for _, b := range coopMatBlockings {
		p := CoopMatPlan{M: 16, N: 16, K: 16, Lanes: 32, WM: b[0], WN: b[1], FM: b[2], FN: b[3], KSteps: b[4], halfInputs: true}
		if coopMatPlanFits(p, h100) {
			bm, bn := p.block()
			biggest = max(biggest, bm*bn)
		}
	}
	if biggest < 128*128 {
		t.Errorf("largest block that fits an H100-like device: %d elements, want 128×128", biggest)
	}
}
