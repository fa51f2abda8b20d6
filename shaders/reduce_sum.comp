#version 450
// reduce_sum: out[g] = sum of this workgroup's grid-stride share of x[0..n).
// Dispatched with G groups it leaves G partial sums; dispatched again with
// one group over those, it leaves the total in partial[0]. Any workgroup
// size up to 1024 works (the tree folds a non-power-of-two size). The
// order of the additions depends only on n, G and the workgroup size, so
// the result is the same on every run.
//
//	REDUCE_VEC4     x is read as vec4, n counts vec4s
//	REDUCE_SCALE    the push block has a second field, scale, and every
//	                partial is multiplied by it (the final pass of a mean)
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

#ifdef REDUCE_VEC4
#define T vec4
#define HSUM(v) dot(v, vec4(1.0))
#else
#define T float
#define HSUM(v) (v)
#endif

layout(std430, set = 0, binding = 0) readonly buffer X { T x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float partial[]; };

layout(push_constant) uniform Push {
	uint n;
#ifdef REDUCE_SCALE
	float scale;
#endif
} p;

// Sized for the largest workgroup any variant uses.
shared float sums[1024];

void main() {
	T acc = T(0.0);
	FOR_EACH(i, p.n) {
		T v = x[i];
		acc += v;
	}
	uint lid = gl_LocalInvocationID.x;
	uint size = gl_WorkGroupSize.x;
	sums[lid] = HSUM(acc);
	barrier();
	// The smallest power of two ≥ size, halved: the first stride.
	uint stride = size > 1u ? 1u << findMSB(size - 1u) : 0u;
	for (; stride > 0u; stride >>= 1) {
		if (lid < stride && lid + stride < size) {
			sums[lid] += sums[lid + stride];
		}
		barrier();
	}
	if (lid == 0u) {
#ifdef REDUCE_SCALE
		partial[gl_WorkGroupID.x] = sums[0] * p.scale;
#else
		partial[gl_WorkGroupID.x] = sums[0];
#endif
	}
}
