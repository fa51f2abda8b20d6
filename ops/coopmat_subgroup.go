package ops

import "github.com/mae-vk/mae-vk/vk"

// coopMatSubgroupSize is the subgroup size that a cooperative-matrix
// pipeline of invocations per workgroup requires (vk.KernelSpec.SubgroupSize),
// 0 for none.
//
// The real kernels (not the emulation, whose COOP_LANES-invocation
// "subgroups" are its own) take their fragments from gl_SubgroupID and
// assume lanes invocations per subgroup, all active: the workgroup is
// planned as invocations/lanes subgroups, lanes being the plan's Lanes
// (the device's subgroupSize). Drivers compile cooperative-matrix shaders
// at that size by default — Mesa's ANV at SIMD32 (its subgroupSize 32 on
// Intel, Xe2 included, whose native DPAS width is 16), RADV at wave64 (its
// 64, AMD RDNA3 included, whose WMMA also runs in wave32), NVIDIA at 32 —
// but nothing in Vulkan promises it for a SPIR-V 1.3 module: a driver may
// run smaller or partial subgroups, and then gl_SubgroupID would pass the
// planned subgroups and index past the workgroup's shared arrays. So
// where the device lets a compute pipeline require a size, the plan's
// Lanes is required with full subgroups; elsewhere the per-device
// self-check is the guard.
func coopMatSubgroupSize(info vk.DeviceInfo, lanes, invocations int, emulated bool) int {
	if emulated || !info.CanRequireSubgroupSize(lanes, invocations) {
		return 0
	}
	return lanes
}
