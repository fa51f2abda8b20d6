#version 450
// gather: keep the visible tokens of each sample,
//   y[n,k,:] = x[n, ids[n,k], :]
// x [N, L, D], ids [N, Lk] int32, y [N, Lk, D]. An index outside [0, L)
// gives a NaN row rather than an out-of-bounds read. One invocation per
// output element, grid-stride.
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
	uint total; // N·Lk·D
	uint l;
	uint lk;
	uint d;
} pc;

void main() {
	FOR_EACH(i, pc.total) {
		uint row = i / pc.d;
		uint e = i - row * pc.d;
		uint s = row / pc.lk;
		uint id = uint(ids[row]);
		y[i] = id < pc.l ? x[(s * pc.l + id) * pc.d + e] : uintBitsToFloat(0x7fc00000u);
	}
}
