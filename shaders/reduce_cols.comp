#version 450
// reduce_cols: column sums of a strided matrix, over one block of rows per
// workgroup row. With x seen as rows × cols (row i at xOff + i·ld), block
// b = rows [b·rowsPerBlock, min((b+1)·rowsPerBlock, rows)):
//
//	out[outOff + b·cols + c] = Σ_{i in block b} x[xOff + i·ld + c]
//
// Each invocation owns a column (a vec4 of four columns with REDUCE_VEC4,
// where cols, ld and the offsets count vec4s) and adds its block's rows in
// order; columns run along x, blocks along y, both grid-stride. One block
// (rowsPerBlock ≥ rows) gives the column sums; many blocks give partial
// sums that a second dispatch, over the blocks as rows, adds up. No atomics:
// the result is the same on every run.
//
// REDUCE_CAST (with a 16-bit format of storage.glsl) also writes x, read
// once, to binding 2 as 16-bit words, row-major [rows, cols]: the bias
// gradient and the 16-bit copy of a linear layer's output gradient in one
// pass (ld must equal cols and xOff be 0).
#include "common.glsl"
#ifdef REDUCE_CAST
#include "storage.glsl"
#endif

MAEVK_LOCAL_SIZE_X

#ifdef REDUCE_VEC4
#define T vec4
#else
#define T float
#endif

layout(std430, set = 0, binding = 0) readonly buffer X { T x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { T outp[]; };
#ifdef REDUCE_CAST
#ifdef REDUCE_VEC4
layout(std430, set = 0, binding = 2) writeonly buffer Copy { uvec2 copy[]; };
#define STORE_COPY(i, v) copy[i] = vec4_to_half4(v)
#else
layout(std430, set = 0, binding = 2) writeonly buffer Copy { uint16_t copy[]; };
#define STORE_COPY(i, v) copy[i] = HALF_WORD(v)
#endif
#endif

layout(push_constant) uniform Push {
	uint rows;
	uint cols;
	uint ld;
	uint xOff;
	uint outOff;
	uint rowsPerBlock;
} p;

void main() {
	uint blocks = (p.rows + p.rowsPerBlock - 1u) / p.rowsPerBlock;
	for (uint b = gl_WorkGroupID.y; b < blocks; b += gl_NumWorkGroups.y) {
		uint r0 = b * p.rowsPerBlock;
		uint r1 = min(p.rows, r0 + p.rowsPerBlock);
		FOR_EACH(c, p.cols) {
			T acc = T(0.0);
			uint idx = p.xOff + r0 * p.ld + c;
			for (uint r = r0; r < r1; r++) {
				T v = x[idx];
				acc += v;
#ifdef REDUCE_CAST
				STORE_COPY(idx, v);
#endif
				idx += p.ld;
			}
			outp[p.outOff + b * p.cols + c] = acc;
		}
	}
}
