#version 450
// reduce_sum: out[g] = sum of this workgroup's share of x[0..n). Dispatched
// with G groups it leaves G partial sums; dispatched again with one group
// over those, it leaves the total in out[0].
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float partial[]; };

layout(push_constant) uniform Push {
	uint n;
} p;

// Sized for the largest workgroup any variant uses.
shared float sums[1024];

void main() {
	float acc = 0.0;
	FOR_EACH(i, p.n) {
		acc += x[i];
	}
	uint lid = gl_LocalInvocationID.x;
	sums[lid] = acc;
	barrier();
	for (uint stride = gl_WorkGroupSize.x / 2; stride > 0; stride /= 2) {
		if (lid < stride) {
			sums[lid] += sums[lid + stride];
		}
		barrier();
	}
	if (lid == 0) {
		partial[gl_WorkGroupID.x] = sums[0];
	}
}
