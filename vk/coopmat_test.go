package vk_test

import (
	"testing"

	"github.com/mae-vk/mae-vk/vk"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// TestCoopMatAbsentOnSoftwareDrivers checks the cooperative-matrix query on
// the test device: lavapipe and SwiftShader list neither extension, so the
// shape list is empty and FindCoopMat never offers a shape (the GEMM family
// is then never chosen). On a device with the extension it checks the list
// is usable instead.
func TestCoopMatAbsentOnSoftwareDrivers(t *testing.T) {
	info := vktest.Open(t).Info
	_, ok := info.FindCoopMat(vk.ComponentFloat16, vk.ComponentFloat32)
	if !info.CooperativeMatrix && !info.CooperativeMatrixNV {
		if len(info.CoopMatShapes) != 0 || ok || info.CoopMatSummary() != "no" {
			t.Errorf("%s: no extension but shapes %v, FindCoopMat %v, summary %q",
				info.Name, info.CoopMatShapes, ok, info.CoopMatSummary())
		}
		return
	}
	t.Logf("%s: %s", info.Name, info.CoopMatSummary())
	for _, s := range info.CoopMatShapes {
		if s.M <= 0 || s.N <= 0 || s.K <= 0 {
			t.Errorf("shape %v has a zero dimension", s)
		}
	}
}

func TestFindCoopMat(t *testing.T) {
	khr := vk.CoopMatShape{M: 16, N: 16, K: 16, A: vk.ComponentFloat16, B: vk.ComponentFloat16, C: vk.ComponentFloat32, Result: vk.ComponentFloat32, Subgroup: true, KHR: true}
	nv := khr
	nv.KHR, nv.N = false, 8
	cases := []struct {
		name    string
		info    vk.DeviceInfo
		want    vk.CoopMatShape
		wantOK  bool
		summary string
	}{
		{"none", vk.DeviceInfo{}, vk.CoopMatShape{}, false, "no"},
		{"KHR", vk.DeviceInfo{VulkanMemoryModel: true, CooperativeMatrix: true, CoopMatShapes: []vk.CoopMatShape{khr}}, khr, true, "KHR 16x16x16 f16*f16+f32"},
		{"NV only", vk.DeviceInfo{VulkanMemoryModel: true, CooperativeMatrixNV: true, CoopMatShapes: []vk.CoopMatShape{nv}}, nv, true, "NV 16x8x16 f16*f16+f32"},
		{"KHR preferred", vk.DeviceInfo{VulkanMemoryModel: true, CooperativeMatrix: true, CooperativeMatrixNV: true, CoopMatShapes: []vk.CoopMatShape{nv, khr}}, khr, true, "KHR 16x8x16 f16*f16+f32, 16x16x16 f16*f16+f32"},
		{"shapes but feature off", vk.DeviceInfo{VulkanMemoryModel: true, CoopMatShapes: []vk.CoopMatShape{khr}}, vk.CoopMatShape{}, false, "no"},
		{"bf16 listed", vk.DeviceInfo{VulkanMemoryModel: true, CooperativeMatrix: true, BFloat16: true, BFloat16CoopMat: true, CoopMatShapes: []vk.CoopMatShape{khr}}, khr, true, "KHR 16x16x16 f16*f16+f32; bf16 matrices (VK_KHR_shader_bfloat16) enabled"},
		{"bf16 listed, type off", vk.DeviceInfo{VulkanMemoryModel: true, CooperativeMatrix: true, BFloat16CoopMat: true, CoopMatShapes: []vk.CoopMatShape{khr}}, khr, true, "KHR 16x16x16 f16*f16+f32"},
		{"no memory model", vk.DeviceInfo{CooperativeMatrix: true, CoopMatShapes: []vk.CoopMatShape{khr}}, vk.CoopMatShape{}, false, "KHR 16x16x16 f16*f16+f32"},
		{"fp32 accumulate missing", vk.DeviceInfo{VulkanMemoryModel: true, CooperativeMatrix: true, CoopMatShapes: []vk.CoopMatShape{{M: 16, N: 16, K: 16, Subgroup: true, KHR: true}}}, vk.CoopMatShape{}, false, "KHR 16x16x16 f16*f16+f16"},
	}
	for _, c := range cases {
		got, ok := c.info.FindCoopMat(vk.ComponentFloat16, vk.ComponentFloat32)
		if ok != c.wantOK || got != c.want {
			t.Errorf("%s: FindCoopMat = %v, %v; want %v, %v", c.name, got, ok, c.want, c.wantOK)
		}
		if s := c.info.CoopMatSummary(); s != c.summary {
			t.Errorf("%s: summary %q, want %q", c.name, s, c.summary)
		}
	}
}
