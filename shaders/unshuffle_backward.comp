#version 450
// unshuffle_backward: gradients of unshuffle, in three passes chosen by a
// define; dy [N, 1+L, D], ids [N, L] int32 (ids_restore, a permutation of
// [0, L) per sample), dx [N, 1+Lk, D], dmask [D].
//
// UNSHUFFLE_PARTIAL: part[n,e] = Σ_{j: ids[n,j] ≥ Lk} dy[n,1+j,e]
//   (part is the first N·D floats of dx, used as scratch), grid x over
//   columns, y over samples.
// UNSHUFFLE_MASK: dmask[e] = Σ_n part[n,e], samples summed in order.
// UNSHUFFLE_DX: dx[n,0,:] = dy[n,0,:]; dx[n,1+r,:] = dy[n,1+j,:] for
//   r = ids[n,j] < Lk. A scatter over the rows of dy: as ids is a
//   permutation every element of dx is written exactly once.
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

layout(push_constant) uniform Push {
	uint n;
	uint l;
	uint lk;
	uint d;
} pc;

#if defined(UNSHUFFLE_PARTIAL)

layout(std430, set = 0, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Part { float part[]; };

void main() {
	for (uint s = gl_WorkGroupID.y; s < pc.n; s += gl_NumWorkGroups.y) {
		for (uint e = gl_GlobalInvocationID.x; e < pc.d; e += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
			float acc = 0.0;
			for (uint j = 0u; j < pc.l; j++) {
				if (uint(ids[s * pc.l + j]) >= pc.lk) {
					acc += dy[(s * (pc.l + 1u) + 1u + j) * pc.d + e];
				}
			}
			part[s * pc.d + e] = acc;
		}
	}
}

#elif defined(UNSHUFFLE_MASK)

layout(std430, set = 0, binding = 0) readonly buffer Part { float part[]; };
layout(std430, set = 0, binding = 1) writeonly buffer DMask { float dmask[]; };

void main() {
	FOR_EACH(e, pc.d) {
		float acc = 0.0;
		for (uint s = 0u; s < pc.n; s++) {
			acc += part[s * pc.d + e];
		}
		dmask[e] = acc;
	}
}

#elif defined(UNSHUFFLE_DX)

layout(std430, set = 0, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, set = 0, binding = 2) writeonly buffer DX { float dx[]; };

void main() {
	FOR_EACH(i, pc.n * (pc.l + 1u) * pc.d) {
		uint row = i / pc.d;
		uint e = i - row * pc.d;
		uint s = row / (pc.l + 1u);
		uint t = row - s * (pc.l + 1u);
		if (t == 0u) {
			dx[s * (pc.lk + 1u) * pc.d + e] = dy[i];
		} else {
			uint r = uint(ids[s * pc.l + t - 1u]);
			if (r < pc.lk) {
				dx[(s * (pc.lk + 1u) + 1u + r) * pc.d + e] = dy[i];
			}
		}
	}
}

#else
#error define UNSHUFFLE_PARTIAL, UNSHUFFLE_MASK or UNSHUFFLE_DX
#endif
