#version 450
// layernorm: LayerNorm over the last dimension (see ops.LayerNormRef), one
// variant per define. With LN_VEC4 every row is read as vec4 (dim % 4 == 0)
// and dimT counts vec4s; dim always counts floats.
//
//	LN_FWD     y = (x − mean)·rstd·gamma + beta, and mean, rstd per row
//	           bindings: x ro, gamma ro, beta ro, y wo, mean wo, rstd wo
//	LN_BWD     dx = rstd·(g − mean(g) − x̂·mean(g·x̂)),  x̂ = (x − mean)·rstd, g = dy·gamma
//	           bindings: x ro, gamma ro, mean ro, rstd ro, dy ro, dx wo
//	LN_PARAMS  per block of rows, the partial sums of dy·x̂ (dgamma) and dy
//	           (dbeta) for every column; reduce_cols adds the blocks up
//	           bindings: x ro, mean ro, rstd ro, dy ro, work wo
//
// LN_FWD with LN_Y16 stores y in the 16-bit format of storage.glsl.
//
// LN_FWD and LN_BWD: a row belongs to TPR invocations (specialization
// constant 1, a power of two dividing the workgroup size), so a workgroup
// normalizes workgroup/TPR rows at a time, grid-stride over the rows. Each
// invocation keeps its first CACHE elements of the row in registers and
// re-reads the rest. The mean and variance are two passes over the row
// (Σx, then Σ(x − mean)²), each summed in a fixed order: deterministic.
//
// The row sums run in a tree in shared memory, or, with LN_SUBGROUP, as a
// butterfly of subgroup shuffles (no barriers) whenever the row's TPR
// invocations share a subgroup: rows then follow subgroup lanes rather than
// local invocation ids, which needs full subgroups of at least TPR lanes,
// checked at run time (gl_NumSubgroups·gl_SubgroupSize = workgroup size);
// otherwise the shared-memory tree runs. IEEE addition is commutative, so
// every lane of the butterfly ends with the same bits.
//
// LN_PARAMS: columns along x (one per invocation), blocks of rowsPerBlock
// rows along y, the block's rows added in order; like reduce_cols.
#extension GL_EXT_control_flow_attributes : require
#ifdef LN_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#endif
#include "common.glsl"
#include "storage.glsl"

MAEVK_LOCAL_SIZE_X

#ifdef LN_VEC4
#define T vec4
#define HSUM(v) dot(v, vec4(1.0))
#else
#define T float
#define HSUM(v) (v)
#endif

#if defined(LN_FWD) || defined(LN_BWD)

layout(constant_id = 1) const uint TPR = 64;

// CACHE elements (of T) of its row each invocation keeps in registers: more
// made no measurable difference on lavapipe but multiplied its compile time
// (a first dispatch of about 0.3 s at 4, 2.5 s at 32). LN_MAX_LOCAL bounds the
// workgroup size.
#define CACHE 4
#define LN_MAX_LOCAL 256

shared vec2 lnSums[LN_MAX_LOCAL];

// lnSubgroups reports whether rowSum may use subgroup shuffles.
bool lnSubgroups() {
#ifdef LN_SUBGROUP
	return TPR <= gl_SubgroupSize && gl_NumSubgroups * gl_SubgroupSize == gl_WorkGroupSize.x;
#else
	return false;
#endif
}

// lnSlot is this invocation's place in the workgroup: row slot/TPR of the
// workgroup's rows, element slot%TPR of that row.
uint lnSlot(bool sg) {
#ifdef LN_SUBGROUP
	if (sg) {
		return gl_SubgroupID * gl_SubgroupSize + gl_SubgroupInvocationID;
	}
#endif
	return gl_LocalInvocationID.x;
}

// rowSum returns the sum of v over the TPR invocations of this row. Call
// it in uniform control flow.
vec2 rowSum(vec2 v, uint slot, bool sg) {
#ifdef LN_SUBGROUP
	if (sg) {
		for (uint m = 1u; m < TPR; m <<= 1) {
			v += subgroupShuffleXor(v, m);
		}
		return v;
	}
#endif
	uint tid = slot & (TPR - 1u);
	lnSums[slot] = v;
	barrier();
	for (uint s = TPR / 2u; s > 0u; s >>= 1) {
		if (tid < s) {
			lnSums[slot] += lnSums[slot + s];
		}
		barrier();
	}
	vec2 total = lnSums[slot - tid];
	barrier(); // lnSums is reused by the next call
	return total;
}

#endif

#if defined(LN_FWD)

layout(push_constant) uniform Push {
	uint rows;
	uint dim;
	uint dimT;
	float eps;
} p;

layout(std430, set = 0, binding = 0) readonly buffer X { T x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Gamma { T gamma[]; };
layout(std430, set = 0, binding = 2) readonly buffer Beta { T beta[]; };
#ifdef LN_Y16
// y in the 16-bit format of storage.glsl (the statistics stay fp32).
#ifdef LN_VEC4
layout(std430, set = 0, binding = 3) writeonly buffer Y { uvec2 y[]; };
#define STORE_Y(v) vec4_to_half4(v)
#else
layout(std430, set = 0, binding = 3) writeonly buffer Y { uint16_t y[]; };
#define STORE_Y(v) HALF_WORD(v)
#endif

#else
layout(std430, set = 0, binding = 3) writeonly buffer Y { T y[]; };
#define STORE_Y(v) (v)
#endif
layout(std430, set = 0, binding = 4) writeonly buffer Mean { float mean[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Rstd { float rstd[]; };

void main() {
	bool sg = lnSubgroups();
	uint slot = lnSlot(sg);
	uint tid = slot & (TPR - 1u);
	uint perGroup = gl_WorkGroupSize.x / TPR;
	for (uint row0 = gl_WorkGroupID.x * perGroup; row0 < p.rows; row0 += gl_NumWorkGroups.x * perGroup) {
		uint row = row0 + slot / TPR;
		bool valid = row < p.rows;
		uint base = row * p.dimT;
		T c[CACHE];
		T s = T(0.0);
		[[unroll]] for (uint k = 0u; k < CACHE; k++) {
			uint j = tid + k * TPR;
			c[k] = T(0.0);
			if (valid && j < p.dimT) {
				c[k] = x[base + j];
			}
			s += c[k];
		}
		for (uint j = tid + CACHE * TPR; valid && j < p.dimT; j += TPR) {
			s += x[base + j];
		}
		float mu = rowSum(vec2(HSUM(s), 0.0), slot, sg).x / float(p.dim);

		T q = T(0.0);
		[[unroll]] for (uint k = 0u; k < CACHE; k++) {
			if (tid + k * TPR < p.dimT) {
				T d = c[k] - mu;
				q += d * d;
			}
		}
		for (uint j = tid + CACHE * TPR; valid && j < p.dimT; j += TPR) {
			T d = x[base + j] - mu;
			q += d * d;
		}
		float var = rowSum(vec2(HSUM(q), 0.0), slot, sg).x / float(p.dim);
		float rs = inversesqrt(var + p.eps);

		if (valid) {
			if (tid == 0u) {
				mean[row] = mu;
				rstd[row] = rs;
			}
			[[unroll]] for (uint k = 0u; k < CACHE; k++) {
				uint j = tid + k * TPR;
				if (j < p.dimT) {
					y[base + j] = STORE_Y((c[k] - mu) * rs * gamma[j] + beta[j]);
				}
			}
			for (uint j = tid + CACHE * TPR; j < p.dimT; j += TPR) {
				y[base + j] = STORE_Y((x[base + j] - mu) * rs * gamma[j] + beta[j]);
			}
		}
	}
}

#elif defined(LN_BWD)

layout(push_constant) uniform Push {
	uint rows;
	uint dim;
	uint dimT;
} p;

layout(std430, set = 0, binding = 0) readonly buffer X { T x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Gamma { T gamma[]; };
layout(std430, set = 0, binding = 2) readonly buffer Mean { float mean[]; };
layout(std430, set = 0, binding = 3) readonly buffer Rstd { float rstd[]; };
layout(std430, set = 0, binding = 4) readonly buffer DY { T dy[]; };
layout(std430, set = 0, binding = 5) writeonly buffer DX { T dx[]; };

void main() {
	bool sg = lnSubgroups();
	uint slot = lnSlot(sg);
	uint tid = slot & (TPR - 1u);
	uint perGroup = gl_WorkGroupSize.x / TPR;
	for (uint row0 = gl_WorkGroupID.x * perGroup; row0 < p.rows; row0 += gl_NumWorkGroups.x * perGroup) {
		uint row = row0 + slot / TPR;
		bool valid = row < p.rows;
		uint base = row * p.dimT;
		float mu = 0.0, rs = 0.0;
		if (valid) {
			mu = mean[row];
			rs = rstd[row];
		}
		T xh[CACHE], g[CACHE];
		T sumG = T(0.0), sumGX = T(0.0);
		[[unroll]] for (uint k = 0u; k < CACHE; k++) {
			uint j = tid + k * TPR;
			xh[k] = T(0.0);
			g[k] = T(0.0);
			if (valid && j < p.dimT) {
				xh[k] = (x[base + j] - mu) * rs;
				g[k] = dy[base + j] * gamma[j];
			}
			sumG += g[k];
			sumGX += g[k] * xh[k];
		}
		for (uint j = tid + CACHE * TPR; valid && j < p.dimT; j += TPR) {
			T h = (x[base + j] - mu) * rs;
			T gj = dy[base + j] * gamma[j];
			sumG += gj;
			sumGX += gj * h;
		}
		vec2 m = rowSum(vec2(HSUM(sumG), HSUM(sumGX)), slot, sg) / float(p.dim);

		if (valid) {
			[[unroll]] for (uint k = 0u; k < CACHE; k++) {
				uint j = tid + k * TPR;
				if (j < p.dimT) {
					dx[base + j] = rs * (g[k] - m.x - xh[k] * m.y);
				}
			}
			for (uint j = tid + CACHE * TPR; j < p.dimT; j += TPR) {
				T h = (x[base + j] - mu) * rs;
				T gj = dy[base + j] * gamma[j];
				dx[base + j] = rs * (gj - m.x - h * m.y);
			}
		}
	}
}

#elif defined(LN_PARAMS)

layout(push_constant) uniform Push {
	uint rows;
	uint dimT;
	uint rowsPerBlock;
	uint betaOff; // where the dbeta partials start in work, in T
} p;

layout(std430, set = 0, binding = 0) readonly buffer X { T x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Mean { float mean[]; };
layout(std430, set = 0, binding = 2) readonly buffer Rstd { float rstd[]; };
layout(std430, set = 0, binding = 3) readonly buffer DY { T dy[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Work { T work[]; };

void main() {
	uint blocks = (p.rows + p.rowsPerBlock - 1u) / p.rowsPerBlock;
	for (uint b = gl_WorkGroupID.y; b < blocks; b += gl_NumWorkGroups.y) {
		uint r0 = b * p.rowsPerBlock;
		uint r1 = min(p.rows, r0 + p.rowsPerBlock);
		FOR_EACH(c, p.dimT) {
			T ag = T(0.0), ab = T(0.0);
			uint idx = r0 * p.dimT + c;
			for (uint r = r0; r < r1; r++) {
				T d = dy[idx];
				ag += d * ((x[idx] - mean[r]) * rstd[r]);
				ab += d;
				idx += p.dimT;
			}
			work[b * p.dimT + c] = ag;
			work[p.betaOff + b * p.dimT + c] = ab;
		}
	}
}

#else
#error define LN_FWD, LN_BWD or LN_PARAMS
#endif
