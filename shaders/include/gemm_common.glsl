// gemm_common.glsl: the bindings, push constants and fused epilogue shared
// by every GEMM variant. Bindings 0 and 1 (A and B) are declared by each
// variant, since their types differ (storage buffer of float or vec4, or
// texel buffer).
//
//   C = epilogue(alpha·op(A)·op(B) + beta·C)
//   epilogue: + bias[j] (GEMM_BIAS), exact GELU (GEMM_GELU), + R (GEMM_RESIDUAL)
//
// With GEMM_C16, C is stored in the 16-bit format of storage.glsl (bias and
// R stay fp32).
#ifndef MAEVK_GEMM_COMMON_GLSL
#define MAEVK_GEMM_COMMON_GLSL

#include "erf.glsl"
#include "storage.glsl"

#define GEMM_BIAS 1u
#define GEMM_GELU 2u
#define GEMM_RESIDUAL 4u
#define GEMM_TRANS_A 8u
#define GEMM_TRANS_B 16u
// GEMM_VEC_A, GEMM_VEC_B (gemm_coopmat only): the operand's stored
// contiguous dimension and batch stride are multiples of 8 values, so it
// may be read as uvec4s of eight 16-bit values.
#define GEMM_VEC_A 32u
#define GEMM_VEC_B 64u

#ifdef GEMM_C16
// C in the 16-bit format of storage.glsl: beta·C widens, the store rounds.
layout(std430, set = 0, binding = 2) buffer CBuf { uint16_t C[]; };
#define LOAD_C(i) half_to_float(uint(C[i]))
#define STORE_C(i, v) C[i] = HALF_WORD(v)
#else
layout(std430, set = 0, binding = 2) buffer CBuf { float C[]; };
#define LOAD_C(i) C[i]
#define STORE_C(i, v) C[i] = (v)
#endif
layout(std430, set = 0, binding = 3) readonly buffer BiasBuf { float bias[]; };
layout(std430, set = 0, binding = 4) readonly buffer ResBuf { float R[]; };

// Mirrored by gemmPush in ops/gemm.go. Strides are in elements, per batch.
layout(push_constant) uniform Push {
	uint M;
	uint N;
	uint K;
	uint strideA;
	uint strideB;
	uint strideC;
	float alpha;
	float beta;
	uint flags;
} p;

// gemm_store applies the epilogue to one accumulated dot product and writes
// C[batch][i][j]. The caller checks i < M and j < N.
void gemm_store(uint batch, uint i, uint j, float acc) {
	uint idx = batch * p.strideC + i * p.N + j;
	float v = p.alpha * acc;
	if (p.beta != 0.0) {
		v += p.beta * LOAD_C(idx);
	}
	if ((p.flags & GEMM_BIAS) != 0u) {
		v += bias[j];
	}
	if ((p.flags & GEMM_GELU) != 0u) {
		v = gelu_f32(v);
	}
	if ((p.flags & GEMM_RESIDUAL) != 0u) {
		v += R[idx];
	}
	STORE_C(idx, v);
}

#endif
