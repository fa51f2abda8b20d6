#version 450
// elementwise: simple maps over float tensors, one variant per define. The
// _vec4 variants (EW_VEC4) see every buffer as vec4: sizes, strides and
// offsets in the push constants are then in vec4s.
//
//	EW_ADD        z[i] = x[i] + y[i]                    x ro, y ro, z wo       {n}
//	EW_SCALE      y[i] = alpha·x[i]                     x ro, y wo             {n, alpha}
//	EW_SCALE_BY   y[i] = f[index]·x[i] (f on the device)  x ro, f ro, y wo    {n, index}
//	EW_BCAST_ADD  y[b,j] = x[b,j] + table[off + j]      x ro, table ro, y wo   {period, batch, tableOff}
//	EW_COPY_ROWS  dst[dOff + i·dStride + j] = src[sOff + i·sStride + j]
//	                                                    src ro, dst wo         {rows, cols, sStride, sOff, dStride, dOff}
//
// The 2-D ops (BCAST_ADD: b < batch, j < period; COPY_ROWS: i < rows,
// j < cols) run j along x and the row along y, both grid-stride, so any
// shape fits a bounded dispatch.
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

#ifdef EW_VEC4
#define T vec4
#else
#define T float
#endif

// Grid-stride loops over rows (workgroups along y) and columns (x).
#define FOR_ROWS(i, n) for (uint i = gl_WorkGroupID.y; i < (n); i += gl_NumWorkGroups.y)

#if defined(EW_ADD)
layout(push_constant) uniform Push { uint n; } p;
layout(std430, set = 0, binding = 0) readonly buffer X { T x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Y { T y[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Z { T z[]; };
void main() {
	FOR_EACH(i, p.n) {
		z[i] = x[i] + y[i];
	}
}

#elif defined(EW_SCALE)
layout(push_constant) uniform Push { uint n; float alpha; } p;
layout(std430, set = 0, binding = 0) readonly buffer X { T x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { T y[]; };
void main() {
	FOR_EACH(i, p.n) {
		y[i] = p.alpha * x[i];
	}
}

#elif defined(EW_SCALE_BY)
layout(push_constant) uniform Push { uint n; uint index; } p;
layout(std430, set = 0, binding = 0) readonly buffer X { T x[]; };
layout(std430, set = 0, binding = 1) readonly buffer F { float f[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Y { T y[]; };
void main() {
	float alpha = f[p.index];
	FOR_EACH(i, p.n) {
		y[i] = alpha * x[i];
	}
}

#elif defined(EW_BCAST_ADD)
layout(push_constant) uniform Push { uint period; uint batch; uint tableOff; } p;
layout(std430, set = 0, binding = 0) readonly buffer X { T x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Table { T table[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Y { T y[]; };
void main() {
	FOR_ROWS(b, p.batch) {
		uint base = b * p.period;
		FOR_EACH(j, p.period) {
			y[base + j] = x[base + j] + table[p.tableOff + j];
		}
	}
}

#elif defined(EW_COPY_ROWS)
layout(push_constant) uniform Push {
	uint rows;
	uint cols;
	uint srcStride;
	uint srcOff;
	uint dstStride;
	uint dstOff;
} p;
layout(std430, set = 0, binding = 0) readonly buffer Src { T src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Dst { T dst[]; };
void main() {
	FOR_ROWS(i, p.rows) {
		uint s = p.srcOff + i * p.srcStride;
		uint d = p.dstOff + i * p.dstStride;
		FOR_EACH(j, p.cols) {
			dst[d + j] = src[s + j];
		}
	}
}

#else
#error define one of EW_ADD, EW_SCALE, EW_SCALE_BY, EW_BCAST_ADD, EW_COPY_ROWS
#endif
