// common.glsl: what every mae-vk compute shader shares.
#ifndef MAEVK_COMMON_GLSL
#define MAEVK_COMMON_GLSL

// Workgroup size along x comes from specialization constant 0, so one
// SPIR-V module serves devices that want different sizes.
#define MAEVK_LOCAL_SIZE_X layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

// Grid-stride loop over [0, n): every element is visited once whatever the
// number of workgroups dispatched.
#define FOR_EACH(i, n) for (uint i = gl_GlobalInvocationID.x; i < (n); i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)

// The logical x index of this workgroup in a grid that the dispatcher may
// have folded into y (vk.DeviceInfo.FoldX) to stay within the device's
// maxComputeWorkGroupCount. A folded grid may hold a few whole workgroups
// past the logical count: shaders that use this skip them.
uint folded_group_x() {
	return gl_WorkGroupID.x + gl_NumWorkGroups.x * gl_WorkGroupID.y;
}

#endif
