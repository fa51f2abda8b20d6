#version 450
// gemm_coopmat: the cooperative-matrix GEMM (tensor cores), fp16 A and B,
// fp32 accumulation, the epilogue of gemm_common.glsl. A workgroup of
// WM×WN subgroups owns a BM×BN block of C (BM = WM·FM·MS, BN = WN·FN·NS):
// each subgroup an FM×FN block of MS×NS fragments, so that one A fragment
// serves FN products and one B fragment FM. K advances BK = KSTEPS·KS at a
// time: A and B slices of BK staged in shared memory (row-major, zero
// outside the matrix, transposes undone while staging) between two
// barriers, then KSTEPS fragment products per fragment. At the end each
// subgroup writes its fragments, one (fm, fn) at a time, to its own MS×NS
// patch of shared memory, from which the whole workgroup applies the
// epilogue with scalar bounds checks. The host sizes WM, WN, FM, FN and
// KSTEPS so that the staging fits the device's shared memory
// (ops/gemm_coopmat_tune.go). 16-bit operands whose stored contiguous
// dimension and batch stride are multiples of 8 (GEMM_VEC_A, GEMM_VEC_B,
// set by the host) are staged from uvec4 loads of eight values.
//
// Defines: MS, NS, KS the fragment shape (one of the device's
// cooperative-matrix shapes); COOPMAT_EMULATE for the plain-code
// emulation (coopmat.glsl); COOPMAT_F32_INPUT for float A and B (the
// emulation on devices without 16-bit storage); COOPMAT_BF16_INPUT (with
// COOPMAT_EMULATE) for bfloat16 A and B, widened to float while staging
// (the real bf16 module is the fp16 KHR one retyped by tools/shaderbuild).
// Specialization: 0 the workgroup size (WM·WN·subgroup size, or
// WM·WN·COOP_LANES emulated), 1 WM, 2 WN, 3 FM, 4 FN (each at most
// FRAG_MAX), 5 KSTEPS (at most KSTEP_MAX).
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#if defined(COOPMAT_BF16_INPUT)
#ifndef COOPMAT_EMULATE
#error "COOPMAT_BF16_INPUT is the emulation's: the bf16 module is derived from the fp16 SPIR-V"
#endif
#extension GL_EXT_shader_16bit_storage : require
// A and B hold bfloat16 bits; staged (and multiplied) as float.
#define ELEM float
#define IN_ELEM uint16_t
#define IN_LOAD(x) uintBitsToFloat(uint(x) << 16)
#elif !defined(COOPMAT_F32_INPUT)
#extension GL_EXT_shader_16bit_storage : require
#define ELEM float16_t
#else
#define ELEM float
#endif
#ifndef IN_ELEM
#define IN_ELEM ELEM
#define IN_LOAD(x) x
#endif
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
#include "gemm_common.glsl"
#include "coopmat.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;
layout(constant_id = 1) const uint WM = 2;
layout(constant_id = 2) const uint WN = 2;
layout(constant_id = 3) const uint FM = 1;
layout(constant_id = 4) const uint FN = 1;
layout(constant_id = 5) const uint KSTEPS = 1;

// FRAG_MAX bounds FM and FN, KSTEP_MAX bounds KSTEPS: the fragment arrays
// have a fixed size and the loops over them are unrolled to it, skipping
// fragments past FM or FN, so that every index into acc is a constant
// (fragments stay in registers; dynamically indexed local arrays also make
// llvmpipe, Mesa 22.3, return garbage after some tens of iterations of the
// K loop). The emulation keeps them small: its unrolled fragments are
// plain code that llvmpipe compiles slowly.
#ifdef COOPMAT_EMULATE
#define FRAG_MAX 2u
#define KSTEP_MAX 2u
#else
#define FRAG_MAX 4u
#define KSTEP_MAX 4u
#endif

const uint BM = WM * FM * MS;
const uint BN = WN * FN * NS;
const uint BK = KSTEPS * KS;
const uint THREADS = gl_WorkGroupSize.x;
const uint PATCH = MS * NS; // one fragment of C

layout(std430, set = 0, binding = 0) readonly buffer ABuf { IN_ELEM A[]; };
layout(std430, set = 0, binding = 1) readonly buffer BBuf { IN_ELEM B[]; };
#ifndef COOPMAT_F32_INPUT
// The same operands seen as uvec4s of eight 16-bit values, read where the
// host sets GEMM_VEC_A / GEMM_VEC_B (one load per eight values).
#define VEC_LOADS 1
layout(std430, set = 0, binding = 0) readonly buffer ABuf8 { uvec4 A8[]; };
layout(std430, set = 0, binding = 1) readonly buffer BBuf8 { uvec4 B8[]; };
// lo_, hi_ = the two 16-bit values of word w_, lower address first.
#ifdef COOPMAT_BF16_INPUT
#define WORD_PAIR(w_, lo_, hi_) \
	ELEM lo_ = uintBitsToFloat((w_) << 16); \
	ELEM hi_ = uintBitsToFloat((w_) & 0xffff0000u);
#else
#define WORD_PAIR(w_, lo_, hi_) \
	f16vec2 pair_ = unpackFloat2x16(w_); \
	ELEM lo_ = pair_.x; \
	ELEM hi_ = pair_.y;
#endif
#endif

shared ELEM As[BM * BK];
shared ELEM Bs[BK * BN];
shared float Cs[WM * WN * PATCH];

void main() {
	uint tid = gl_LocalInvocationIndex;
	uint sg = COOP_SUBGROUP;
	uint sgM = sg / WN, sgN = sg % WN;
	uint row0 = gl_WorkGroupID.y * BM;
	uint col0 = gl_WorkGroupID.x * BN;
	uint batch = gl_WorkGroupID.z;
	uint aBase = batch * p.strideA;
	uint bBase = batch * p.strideB;
	bool transA = (p.flags & GEMM_TRANS_A) != 0u;
	bool transB = (p.flags & GEMM_TRANS_B) != 0u;

	MAT_ACC acc[FRAG_MAX * FRAG_MAX];
	MAT_A a;
	MAT_B b;
	[[unroll]] for (uint f = 0u; f < FRAG_MAX * FRAG_MAX; f++) {
		COOP_FILL(acc[f], 0.0);
	}
	for (uint k0 = 0u; k0 < p.K; k0 += BK) {
		barrier();
		// As[m*BK + kk] = A[row0+m, k0+kk]; walk the stored contiguous dimension.
#ifdef VEC_LOADS
		if ((p.flags & GEMM_VEC_A) != 0u) {
			// Eight values of the contiguous dimension (K, or M transposed)
			// at a time: all inside the matrix or all outside, as that
			// dimension is a multiple of 8.
			for (uint idx = tid; idx < BM * BK / 8u; idx += THREADS) {
				uint m = transA ? (idx % (BM / 8u)) * 8u : idx / (BK / 8u);
				uint kk = transA ? idx / (BM / 8u) : (idx % (BK / 8u)) * 8u;
				uint i = row0 + m, k = k0 + kk;
				uvec4 w = uvec4(0u);
				if (i < p.M && k < p.K) {
					w = transA ? A8[(aBase + k * p.M + i) / 8u] : A8[(aBase + i * p.K + k) / 8u];
				}
				[[unroll]] for (uint q = 0u; q < 4u; q++) {
					WORD_PAIR(w[q], lo, hi)
					if (transA) {
						As[(m + 2u * q) * BK + kk] = lo;
						As[(m + 2u * q + 1u) * BK + kk] = hi;
					} else {
						As[m * BK + kk + 2u * q] = lo;
						As[m * BK + kk + 2u * q + 1u] = hi;
					}
				}
			}
		} else
#endif
		for (uint idx = tid; idx < BM * BK; idx += THREADS) {
			uint m = transA ? idx % BM : idx / BK;
			uint kk = transA ? idx / BM : idx % BK;
			uint i = row0 + m, k = k0 + kk;
			ELEM v = ELEM(0.0);
			if (i < p.M && k < p.K) {
				v = transA ? IN_LOAD(A[aBase + k * p.M + i]) : IN_LOAD(A[aBase + i * p.K + k]);
			}
			As[m * BK + kk] = v;
		}
		// Bs[kk*BN + n] = B[k0+kk, col0+n].
#ifdef VEC_LOADS
		if ((p.flags & GEMM_VEC_B) != 0u) {
			// Eight values of the contiguous dimension (N, or K transposed).
			for (uint idx = tid; idx < BK * BN / 8u; idx += THREADS) {
				uint n = transB ? idx / (BK / 8u) : (idx % (BN / 8u)) * 8u;
				uint kk = transB ? (idx % (BK / 8u)) * 8u : idx / (BN / 8u);
				uint j = col0 + n, k = k0 + kk;
				uvec4 w = uvec4(0u);
				if (j < p.N && k < p.K) {
					w = transB ? B8[(bBase + j * p.K + k) / 8u] : B8[(bBase + k * p.N + j) / 8u];
				}
				[[unroll]] for (uint q = 0u; q < 4u; q++) {
					WORD_PAIR(w[q], lo, hi)
					if (transB) {
						Bs[(kk + 2u * q) * BN + n] = lo;
						Bs[(kk + 2u * q + 1u) * BN + n] = hi;
					} else {
						Bs[kk * BN + n + 2u * q] = lo;
						Bs[kk * BN + n + 2u * q + 1u] = hi;
					}
				}
			}
		} else
#endif
		for (uint idx = tid; idx < BK * BN; idx += THREADS) {
			uint n = transB ? idx / BK : idx % BN;
			uint kk = transB ? idx % BK : idx / BN;
			uint j = col0 + n, k = k0 + kk;
			ELEM v = ELEM(0.0);
			if (j < p.N && k < p.K) {
				v = transB ? IN_LOAD(B[bBase + j * p.K + k]) : IN_LOAD(B[bBase + k * p.N + j]);
			}
			Bs[kk * BN + n] = v;
		}
		barrier();
		// Fragment (fm, fn) of this subgroup: rows (sgM·FM + fm)·MS, columns
		// (sgN·FN + fn)·NS; K slice ks of the staged BK.
		[[unroll]] for (uint ks = 0u; ks < KSTEP_MAX; ks++) {
			if (ks < KSTEPS) {
				[[unroll]] for (uint fm = 0u; fm < FRAG_MAX; fm++) {
					if (fm < FM) {
						COOP_LOAD_A(a, As, (sgM * FM + fm) * MS * BK + ks * KS, BK);
						[[unroll]] for (uint fn = 0u; fn < FRAG_MAX; fn++) {
							if (fn < FN) {
								COOP_LOAD_B(b, Bs, ks * KS * BN + (sgN * FN + fn) * NS, BN);
								COOP_MULADD(acc[fm * FRAG_MAX + fn], a, b);
							}
						}
					}
				}
			}
		}
	}
	// Fragment by fragment: each subgroup writes fragment (fm, fn) to its
	// patch Cs[sg·PATCH ...], then every invocation stores some elements.
	[[unroll]] for (uint fm = 0u; fm < FRAG_MAX; fm++) {
		[[unroll]] for (uint fn = 0u; fn < FRAG_MAX; fn++) {
			if (fm < FM && fn < FN) {
				COOP_STORE(acc[fm * FRAG_MAX + fn], Cs, sg * PATCH, NS);
				barrier();
				for (uint idx = tid; idx < WM * WN * PATCH; idx += THREADS) {
					uint owner = idx / PATCH, e = idx % PATCH;
					uint i = row0 + ((owner / WN) * FM + fm) * MS + e / NS;
					uint j = col0 + ((owner % WN) * FN + fn) * NS + e % NS;
					if (i < p.M && j < p.N) {
						gemm_store(batch, i, j, Cs[idx]);
					}
				}
				barrier();
			}
		}
	}
}
