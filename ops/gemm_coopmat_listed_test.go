package ops

import (
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// TestListedCoopMatPrefersCompiledShapes: the plan takes the preferred
// compiled shape wherever the device lists it, not the device's first
// fp16 shape (a driver may list one we have no kernel for first), and
// nothing when the device lists only shapes without kernels or only
// other component types.
func TestListedCoopMatPrefersCompiledShapes(t *testing.T) {
	shape := func(m, n, k int, in, acc vk.ComponentType) vk.CoopMatShape {
		return vk.CoopMatShape{M: m, N: n, K: k, A: in, B: in, C: acc, Result: acc, Subgroup: true, KHR: true}
	}
	f16, f32 := vk.ComponentFloat16, vk.ComponentFloat32
	dev := func(shapes ...vk.CoopMatShape) vk.DeviceInfo {
		return vk.DeviceInfo{VulkanMemoryModel: true, CooperativeMatrix: true, CoopMatShapes: shapes}
	}
	cases := []struct {
		name string
		info vk.DeviceInfo
		want [3]int // zero: none
	}{
		{"uncompiled first", dev(shape(16, 8, 8, f16, f32), shape(16, 8, 16, f16, f32), shape(16, 16, 16, f16, f32)), [3]int{16, 16, 16}},
		{"only the second choice", dev(shape(16, 8, 8, f16, f16), shape(16, 8, 16, f16, f32)), [3]int{16, 8, 16}},
		// Intel Xe2 (Arc B570/B580, Lunar Lake) lists only M=8 for fp16 with
		// fp32 accumulation, besides shapes of other component types.
		{"Intel Xe2: 8x16x16 only", dev(shape(8, 16, 16, f16, f16), shape(8, 16, 16, f16, f32)), [3]int{8, 16, 16}},
		{"8x16x16 last choice", dev(shape(8, 16, 16, f16, f32), shape(16, 8, 16, f16, f32)), [3]int{16, 8, 16}},
		{"fp16 accumulation only", dev(shape(16, 16, 16, f16, f16)), [3]int{}},
		{"no kernel for any", dev(shape(32, 8, 16, f16, f32), shape(16, 8, 8, f16, f32)), [3]int{}},
	}
	for _, c := range cases {
		s, ok := listedCoopMat(c.info, f16)
		got := [3]int{}
		if ok {
			got = [3]int{s.M, s.N, s.K}
		}
		if got != c.want {
			t.Errorf("%s: listedCoopMat = %v, want %v", c.name, got, c.want)
		}
		if CoopMatListed(c.info, FP16) != (c.want != [3]int{}) {
			t.Errorf("%s: CoopMatListed(fp16) = %v", c.name, !(c.want != [3]int{}))
		}
		if CoopMatListed(c.info, BF16) {
			t.Errorf("%s: CoopMatListed(bf16) with no bf16 kernels", c.name)
		}
	}
}
