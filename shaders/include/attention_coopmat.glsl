// attention_coopmat.glsl: what the cooperative-matrix attention kernels
// (attention_coopmat_*.comp) share, on top of attention.glsl (layouts,
// push block, head dimension HD as constant 1) and coopmat.glsl (the
// fragment vocabulary for MS×KS · KS×NS).
//
// Storage as in the 16-bit model (ops.AttentionAs at fp16): qkv and the
// attention output O are 16-bit (ELEM float16_t) in the element layout of
// the float32 kernels; dO, lse, D and dqkv are float32 (dO is rounded to
// binary16 when staged for its products). With COOPMAT_F32_INPUT, ELEM is
// float (the emulation on devices without 16-bit storage) and every value
// that the real kernels hold in 16 bits is rounded to binary16 all the
// same (TO_ELEM), so the emulation computes what the device would.
// With COOPMAT_BF16_INPUT (and COOPMAT_EMULATE) the 16-bit format is
// bfloat16: qkv and O are bfloat16 bits (IO_ELEM uint16_t, widened by
// LOAD_IN, O written by STORE_OUT, round to nearest even as storage.glsl's
// float_to_half under HALF_BF16), ELEM is float and every value the real
// bf16 module holds in 16 bits is rounded to bfloat16 (TO_ELEM). The real
// bf16 module is the fp16 KHR one retyped by tools/shaderbuild.
// Accumulators, scores and softmax statistics are float32.
//
// A workgroup is WQ subgroups (specialization constant 2), each owning MS
// rows of the block it computes: rows sg·MS ... sg·MS+MS−1 of every
// shared row-major array with BR = WQ·MS rows.
#ifndef MAEVK_ATTENTION_COOPMAT_GLSL
#define MAEVK_ATTENTION_COOPMAT_GLSL

#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#if defined(COOPMAT_BF16_INPUT)
#ifndef COOPMAT_EMULATE
#error "COOPMAT_BF16_INPUT is the emulation's: the bf16 module is derived from the fp16 SPIR-V"
#endif
#ifndef HALF_BF16
#define HALF_BF16 1 // storage.glsl's bfloat16 conversions
#endif
// qkv and O hold bfloat16 bits (IO_ELEM); staged, multiplied and rounded
// as float holding bfloat16 values.
#define ELEM float
#define IO_ELEM uint16_t
#define TO_ELEM(v_) half_to_float(float_to_half(v_))
#define LOAD_IN(x_) half_to_float(uint(x_))
#define STORE_OUT(v_) uint16_t(float_to_half(v_))
#elif !defined(COOPMAT_F32_INPUT)
#extension GL_EXT_shader_16bit_storage : require
#define ELEM float16_t
#define TO_ELEM(v_) float16_t(v_)
#else
#define ELEM float
#define TO_ELEM(v_) unpackHalf2x16(packHalf2x16(vec2((v_), 0.0))).x
#endif
#ifndef IO_ELEM
#define IO_ELEM ELEM
#define LOAD_IN(x_) float(x_)
#define STORE_OUT(v_) TO_ELEM(v_)
#endif

#include "common.glsl"
#include "attention.glsl"
#include "coopmat.glsl"

MAEVK_LOCAL_SIZE_X
layout(constant_id = 2) const uint WQ = 1; // subgroups per workgroup

const uint BR = WQ * MS;                 // rows a workgroup owns
const uint BT = KS;                      // rows of a streamed tile
const uint THREADS = gl_WorkGroupSize.x; // WQ subgroups (or COOP_LANES emulated)

// First element of part s of head h of token t of sample b in [B, L, 3, H, HD].
uint qkvElem(uint b, uint t, uint s, uint h) { return qkvAt(b, t, s, h) * 4u; }

// First element of head h of token t of sample b in [B, L, H, HD].
uint rowElem(uint b, uint t, uint h) { return rowAt(b, t, h) * 4u; }

// STAGE_ROWS copies rows t0 ... t0+n−1 (HD values each) of the IO_ELEM
// array src (qkv) into the shared row-major ELEM array dst, rounded to 16
// bits, zero past the sequence; at is the expression of the row's first
// element in src, in terms of the row t_. STAGE_ROWS_F32 does the same
// from a float array (dO).
#define STAGE_ROWS_FROM(dst, n, t0, src, at, load) \
	for (uint x_ = gl_LocalInvocationIndex; x_ < (n) * HD; x_ += THREADS) { \
		uint t_ = (t0) + x_ / HD; \
		dst[x_] = t_ < p.L ? TO_ELEM(load(src[(at) + x_ % HD])) : ELEM(0.0); \
	}
#define STAGE_ROWS(dst, n, t0, src, at) STAGE_ROWS_FROM(dst, n, t0, src, at, LOAD_IN)
#define STAGE_ROWS_F32(dst, n, t0, src, at) STAGE_ROWS_FROM(dst, n, t0, src, at, float)

#endif
