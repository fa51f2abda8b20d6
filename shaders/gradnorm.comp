#version 450
// gradnorm: the global L2 norm of a flat gradient, in two passes chosen by a
// define; deterministic (fixed-order workgroup trees, no atomics).
//
// GRADNORM_PARTIAL (G workgroups): work[g] = Σ over workgroup g's grid-stride
//   share of g[i]²
// GRADNORM_FINAL (one workgroup):  norm[0] = √(Σ_{g<n} work[g])
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

// After the workgroup size: wgSum reads gl_WorkGroupSize.
#include "loss_wgsum.glsl"

layout(push_constant) uniform Push {
	uint n; // elements of grad (PARTIAL) or partial sums (FINAL)
} pc;

#if defined(GRADNORM_PARTIAL)

layout(std430, set = 0, binding = 0) readonly buffer Grad { float grad[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Work { float work[]; };

void main() {
	float acc = 0.0;
	FOR_EACH(i, pc.n) {
		float g = grad[i];
		acc += g * g;
	}
	float total = wgSum(acc);
	if (gl_LocalInvocationID.x == 0u) {
		work[gl_WorkGroupID.x] = total;
	}
}

#elif defined(GRADNORM_FINAL)

layout(std430, set = 0, binding = 0) readonly buffer Work { float work[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Norm { float norm[]; };

void main() {
	float acc = 0.0;
	for (uint i = gl_LocalInvocationID.x; i < pc.n; i += gl_WorkGroupSize.x) {
		acc += work[i];
	}
	float total = wgSum(acc);
	if (gl_LocalInvocationID.x == 0u) {
		norm[0] = sqrt(total);
	}
}

#else
#error define GRADNORM_PARTIAL or GRADNORM_FINAL
#endif
