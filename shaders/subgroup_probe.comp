#version 450
// subgroup_probe: every invocation of one workgroup writes what it sees of
// its subgroup, o[4i ... 4i+3] = gl_SubgroupSize, gl_NumSubgroups,
// gl_SubgroupID, gl_SubgroupInvocationID for i = gl_LocalInvocationIndex.
// For the dispatcher's tests of required subgroup sizes (vk): the
// cooperative-matrix kernels derive their layout from gl_SubgroupID.
#extension GL_KHR_shader_subgroup_basic : require
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

layout(std430, set = 0, binding = 0) writeonly buffer Out { uint o[]; };

void main() {
	const uint i = 4u * gl_LocalInvocationIndex;
	o[i] = gl_SubgroupSize;
	o[i + 1u] = gl_NumSubgroups;
	o[i + 2u] = gl_SubgroupID;
	o[i + 3u] = gl_SubgroupInvocationID;
}
