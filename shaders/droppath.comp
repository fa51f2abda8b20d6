#version 450
// droppath: stochastic depth on a residual branch, per sample, and its
// backward. x, b, y, dy, db [N, R] with R = rows·width per sample; scale
// [N] holds keep[n]/keep_prob (0 for a dropped sample, 1/keep_prob for a
// kept one; 1 everywhere when drop path is off).
//
// DROPPATH_FWD  y[n,i]  = x[n,i] + scale[n] · b[n,i]   bindings: x ro, b ro, scale ro, y wo
// DROPPATH_BWD  db[n,i] = scale[n] · dy[n,i]           bindings: dy ro, scale ro, db wo
// (d x = d y: the identity path needs no kernel.)
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

layout(push_constant) uniform Push {
	uint total;     // N·R
	uint perSample; // R
} pc;

#if defined(DROPPATH_FWD)

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { float b[]; };
layout(std430, set = 0, binding = 2) readonly buffer S { float scale[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Y { float y[]; };

void main() {
	FOR_EACH(i, pc.total) {
		y[i] = x[i] + scale[i / pc.perSample] * b[i];
	}
}

#elif defined(DROPPATH_BWD)

layout(std430, set = 0, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer S { float scale[]; };
layout(std430, set = 0, binding = 2) writeonly buffer DB { float db[]; };

void main() {
	FOR_EACH(i, pc.total) {
		db[i] = scale[i / pc.perSample] * dy[i];
	}
}

#else
#error define DROPPATH_FWD or DROPPATH_BWD
#endif
