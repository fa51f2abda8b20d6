package mae

import (
	"testing"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// TestDefaultPrecisionFollowsCoopMat: a device with 16-bit storage runs
// bf16 by default, fp16 where it lists cooperative-matrix shapes mae-vk
// drives for fp16 (GEMMs and attention), bf16 where it lists bf16 ones
// only (ops.CoopMatListed); a CPU device runs fp32.
func TestDefaultPrecisionFollowsCoopMat(t *testing.T) {
	shape := func(in vk.ComponentType) vk.CoopMatShape {
		return vk.CoopMatShape{M: 16, N: 16, K: 16, A: in, B: in, C: vk.ComponentFloat32, Result: vk.ComponentFloat32, Subgroup: true, KHR: true}
	}
	gpu := func(bf16 bool, shapes ...vk.CoopMatShape) vk.DeviceInfo {
		return vk.DeviceInfo{Type: vk.TypeDiscrete, Storage16: true, Float16: true, VulkanMemoryModel: true,
			CooperativeMatrix: len(shapes) > 0, BFloat16: bf16, BFloat16CoopMat: bf16, CoopMatShapes: shapes}
	}
	cases := []struct {
		name string
		info vk.DeviceInfo
		want ops.Precision
	}{
		{"no tensor cores", gpu(false), ops.BF16},
		{"fp16 tensor cores", gpu(false, shape(vk.ComponentFloat16)), ops.FP16},
		{"bf16 shapes, feature off", gpu(false, shape(vk.ComponentFloat16), shape(vk.ComponentBFloat16)), ops.FP16},
		{"fp16 and bf16 tensor cores", gpu(true, shape(vk.ComponentFloat16), shape(vk.ComponentBFloat16)), ops.FP16},
		{"bf16 tensor cores only", gpu(true, shape(vk.ComponentBFloat16)), ops.BF16},
		{"CPU", vk.DeviceInfo{Type: vk.TypeCPU, Storage16: true}, ops.FP32},
	}
	for _, c := range cases {
		if got := DefaultPrecision(c.info); got != c.want {
			t.Errorf("%s: DefaultPrecision = %v, want %v", c.name, got, c.want)
		}
	}
}
