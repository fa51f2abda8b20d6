// attention.glsl: what the fused attention kernels share.
//
// Layouts (float32, row-major; every row is HD contiguous floats, read and
// written as HD/4 vec4s; with ATTN_QKV16 qkv, with ATTN_O16 o, are 16-bit
// in the format of storage.glsl, same element order, four words a uvec2):
//   qkv, dqkv [B, L, 3, H, HD]  part s (0 q, 1 k, 2 v) of head h of token t
//   o, dO     [B, L, H, HD]
//   lse, D    [B, H, L]         natural log-sum-exp; rowsum(dO ∘ O)
//
// Scores are kept in base 2: the kernels scale q (or k) by log2(e)/√HD, so
// that exp2(s2 − m2) = exp(s − m) and lse = ln 2 · (m2 + log2 l).
#ifndef MAEVK_ATTENTION_GLSL
#define MAEVK_ATTENTION_GLSL

#extension GL_EXT_control_flow_attributes : require

#include "storage.glsl"

#if (defined(ATTN_QKV16) || defined(ATTN_O16)) && !defined(HALF_STORAGE)
#error "ATTN_QKV16 and ATTN_O16 need HALF_FP16 or HALF_BF16"
#endif

// Head dimension, a multiple of 4; register and shared arrays are sized by it.
layout(constant_id = 1) const uint HD = 64;
const uint HD4 = HD / 4;

// Mirrored by ops.attnPush.
layout(push_constant) uniform Push {
	uint B;
	uint L;
	uint H;
	float qscale; // log2(e) / √HD
} p;

const float LN2 = 0.69314718055994531;
const float LOG2E = 1.4426950408889634;
// Stands for −∞ in running maxima and masked scores: exp2(NEG_BIG − m) is 0
// for any finite m, and unlike −∞ it never makes a NaN from −∞ − (−∞).
const float NEG_BIG = -1.0e30;

// First vec4 of part s of head h of token t of sample b in [B, L, 3, H, HD].
uint qkvAt(uint b, uint t, uint s, uint h) { return (((b * p.L + t) * 3u + s) * p.H + h) * HD4; }

// First vec4 of head h of token t of sample b in [B, L, H, HD].
uint rowAt(uint b, uint t, uint h) { return ((b * p.L + t) * p.H + h) * HD4; }

// Index of query t of head h of sample b in [B, H, L].
uint statAt(uint b, uint h, uint t) { return (b * p.H + h) * p.L + t; }

// ATTN_INPUT(binding, Block, name) declares a read-only tensor of vec4s and
// a function name(i) returning vec4 i of it: a uniform texel buffer (RGBA32F)
// when ATTN_TEXEL is defined (on llvmpipe a texel fetch is one branch-free
// gather, a storage load a loop over the lanes), else a storage buffer.
#ifdef ATTN_TEXEL
#define ATTN_INPUT(bnd, blk, name) \
	layout(set = 0, binding = bnd) uniform samplerBuffer name##T; \
	vec4 name(uint i) { return texelFetch(name##T, int(i)); }
#else
#define ATTN_INPUT(bnd, blk, name) \
	layout(std430, set = 0, binding = bnd) readonly buffer blk { vec4 name##S[]; }; \
	vec4 name(uint i) { return name##S[i]; }
#endif

// ATTN_INPUT16(binding, Block, name) is ATTN_INPUT for a 16-bit tensor:
// name(i) widens its words 4i … 4i+3 to a vec4 (storage loads; the texel
// buffers are RGBA32F only).
#define ATTN_INPUT16(bnd, blk, name) \
	layout(std430, set = 0, binding = bnd) readonly buffer blk { uvec2 name##S[]; }; \
	vec4 name(uint i) { return half4_to_vec4(name##S[i]); }

// ATTN_QKV(binding) declares the qkv input, qkv(i); ATTN_O_IN(binding) the
// O input, o(i); ATTN_O_OUT(binding) the O output, storeO(i, v): 16-bit
// under ATTN_QKV16 and ATTN_O16, else fp32 (texel or storage, as above).
#ifdef ATTN_QKV16
#define ATTN_QKV(bnd) ATTN_INPUT16(bnd, QKV, qkv)
#else
#define ATTN_QKV(bnd) ATTN_INPUT(bnd, QKV, qkv)
#endif
#ifdef ATTN_O16
#define ATTN_O_IN(bnd) ATTN_INPUT16(bnd, Out, o)
#define ATTN_O_OUT(bnd) \
	layout(std430, set = 0, binding = bnd) writeonly buffer Out { uvec2 oS[]; }; \
	void storeO(uint i, vec4 v) { oS[i] = vec4_to_half4(v); }
#else
#define ATTN_O_IN(bnd) ATTN_INPUT(bnd, Out, o)
#define ATTN_O_OUT(bnd) \
	layout(std430, set = 0, binding = bnd) writeonly buffer Out { vec4 oS[]; }; \
	void storeO(uint i, vec4 v) { oS[i] = v; }
#endif

// Grid-stride loop over the batch: z workgroups are capped at 65535.
#define FOR_EACH_SAMPLE(b) for (uint b = gl_WorkGroupID.z; b < p.B; b += gl_NumWorkGroups.z)

#endif
