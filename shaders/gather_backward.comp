#version 450
// gather_backward: the adjoint of gather, written as a gather so that every
// element of dx is written (no prior fill, no atomics on floats):
//   dx[n,j,:] = dy[n,k,:]  where ids[n,k] = j, else 0
// dy [N, Lk, D], ids [N, Lk] int32 (distinct per sample), dx [N, L, D].
// One workgroup per output row (grid-stride over rows): the workgroup scans
// ids[n,:] for j, then copies or zeroes the row.
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

layout(std430, set = 0, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, set = 0, binding = 2) writeonly buffer DX { float dx[]; };

layout(push_constant) uniform Push {
	uint rows; // N·L
	uint l;
	uint lk;
	uint d;
} pc;

shared int found;

void main() {
	uint lid = gl_LocalInvocationID.x;
	for (uint row = gl_WorkGroupID.x; row < pc.rows; row += gl_NumWorkGroups.x) {
		uint s = row / pc.l;
		int j = int(row - s * pc.l);
		if (lid == 0u) {
			found = int(pc.lk);
		}
		barrier();
		for (uint k = lid; k < pc.lk; k += gl_WorkGroupSize.x) {
			if (ids[s * pc.lk + k] == j) {
				atomicMin(found, int(k));
			}
		}
		barrier();
		uint k = uint(found);
		for (uint e = lid; e < pc.d; e += gl_WorkGroupSize.x) {
			dx[row * pc.d + e] = k < pc.lk ? dy[(s * pc.lk + k) * pc.d + e] : 0.0;
		}
		barrier(); // found is reset by the next row
	}
}
