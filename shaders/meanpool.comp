#version 450
// meanpool: the mean over tokens skip..T-1 of each sample (the global
// average pool of the fine-tuning head, which skips the class token) and
// its backward. x, dx [N, T, D]; y, dy [N, D].
//
// MEANPOOL_FWD  y[n,d]    = (1/(T−skip)) Σ_{t ≥ skip} x[n,t,d]      bindings: x ro, y wo
// MEANPOOL_BWD  dx[n,t,d] = t < skip ? 0 : dy[n,d] / (T−skip)        bindings: dy ro, dx wo
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

layout(push_constant) uniform Push {
	uint n;
	uint t;
	uint d;
	uint skip;
} pc;

#if defined(MEANPOOL_FWD)

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { float y[]; };

void main() {
	float inv = 1.0 / float(pc.t - pc.skip);
	FOR_EACH(i, pc.n * pc.d) {
		uint s = i / pc.d, e = i % pc.d;
		uint base = s * pc.t * pc.d + e;
		float acc = 0.0;
		for (uint k = pc.skip; k < pc.t; k++) {
			acc += x[base + k * pc.d];
		}
		y[i] = acc * inv;
	}
}

#elif defined(MEANPOOL_BWD)

layout(std430, set = 0, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, set = 0, binding = 1) writeonly buffer DX { float dx[]; };

void main() {
	float inv = 1.0 / float(pc.t - pc.skip);
	FOR_EACH(i, pc.n * pc.t * pc.d) {
		uint e = i % pc.d;
		uint k = (i / pc.d) % pc.t;
		uint s = i / (pc.t * pc.d);
		dx[i] = k < pc.skip ? 0.0 : dy[s * pc.d + e] * inv;
	}
}

#else
#error define MEANPOOL_FWD or MEANPOOL_BWD
#endif
