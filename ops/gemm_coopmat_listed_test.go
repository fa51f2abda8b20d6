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

// TestCoopMatListedBF16: bf16 counts only where the device lists a
// compiled shape with bf16 A and B and fp32 accumulation on the KHR
// extension and has VK_KHR_shader_bfloat16's type and matrices; fp16 is
// unaffected by bf16 shapes.
func TestCoopMatListedBF16(t *testing.T) {
	shape := func(m, n, k int, in, acc vk.ComponentType, khr bool) vk.CoopMatShape {
		return vk.CoopMatShape{M: m, N: n, K: k, A: in, B: in, C: acc, Result: acc, Subgroup: true, KHR: khr}
	}
	bf, f16, f32 := vk.ComponentBFloat16, vk.ComponentFloat16, vk.ComponentFloat32
	dev := func(bfType, bfMat bool, shapes ...vk.CoopMatShape) vk.DeviceInfo {
		return vk.DeviceInfo{VulkanMemoryModel: true, CooperativeMatrix: true, BFloat16: bfType, BFloat16CoopMat: bfMat, CoopMatShapes: shapes}
	}
	cases := []struct {
		name       string
		info       vk.DeviceInfo
		bf16, fp16 bool
	}{
		{"bf16 and fp16", dev(true, true, shape(16, 16, 16, f16, f32, true), shape(16, 16, 16, bf, f32, true)), true, true},
		{"bf16 only, second shape", dev(true, true, shape(16, 8, 8, bf, f32, true), shape(16, 8, 16, bf, f32, true)), true, false},
		{"bf16 listed, matrices feature off", dev(true, false, shape(16, 16, 16, bf, f32, true)), false, false},
		{"bf16 listed, type feature off", dev(false, true, shape(16, 16, 16, bf, f32, true)), false, false},
		{"bf16 accumulation only", dev(true, true, shape(16, 16, 16, bf, bf, true)), false, false},
		{"bf16 shape without a kernel", dev(true, true, shape(32, 8, 16, bf, f32, true)), false, false},
		{"fp16 only", dev(true, true, shape(16, 16, 16, f16, f32, true)), false, true},
	}
	for _, c := range cases {
		if got := CoopMatListed(c.info, BF16); got != c.bf16 {
			t.Errorf("%s: CoopMatListed(bf16) = %v, want %v", c.name, got, c.bf16)
		}
		if got := CoopMatListed(c.info, FP16); got != c.fp16 {
			t.Errorf("%s: CoopMatListed(fp16) = %v, want %v", c.name, got, c.fp16)
		}
	}
	// NV lists no bfloat16; a bf16 shape from the NV entry point (on a
	// device with only that extension) is not used.
	nv := vk.DeviceInfo{VulkanMemoryModel: true, CooperativeMatrixNV: true, BFloat16: true, BFloat16CoopMat: true,
		CoopMatShapes: []vk.CoopMatShape{shape(16, 16, 16, bf, f32, false)}}
	if CoopMatListed(nv, BF16) {
		t.Error("CoopMatListed(bf16) on an NV-only device")
	}
	if CoopMatListed(dev(true, true, shape(16, 16, 16, bf, f32, true)), FP32) {
		t.Error("CoopMatListed(fp32)")
	}
}
