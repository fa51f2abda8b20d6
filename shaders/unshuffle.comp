#version 450
// unshuffle: the decoder input. x [N, 1+Lk, D] (class token first), mask
// token [D], ids [N, L] int32 (ids_restore), y [N, 1+L, D]:
//   y[n,0,:]   = x[n,0,:]
//   y[n,1+j,:] = x[n,1+r,:] if r = ids[n,j] < Lk, else mask
// An index outside [0, L) gives a NaN row. One invocation per output
// element, grid-stride.
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Mask { float maskTok[]; };
layout(std430, set = 0, binding = 2) readonly buffer Ids { int ids[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
	uint total; // N·(1+L)·D
	uint l;
	uint lk;
	uint d;
} pc;

void main() {
	FOR_EACH(i, pc.total) {
		uint row = i / pc.d;
		uint e = i - row * pc.d;
		uint s = row / (pc.l + 1u);
		uint t = row - s * (pc.l + 1u);
		float v;
		if (t == 0u) {
			v = x[s * (pc.lk + 1u) * pc.d + e];
		} else {
			uint r = uint(ids[s * pc.l + t - 1u]);
			if (r < pc.lk) {
				v = x[(s * (pc.lk + 1u) + 1u + r) * pc.d + e];
			} else if (r < pc.l) {
				v = maskTok[e];
			} else {
				v = uintBitsToFloat(0x7fc00000u);
			}
		}
		y[i] = v;
	}
}
