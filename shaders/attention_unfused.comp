#version 450
// attention_unfused: the pieces of attention done the plain way, GEMM +
// softmax + GEMM with the L×L scores in memory, for comparison with the
// fused kernels (and as a second opinion in tests):
//   UNFUSED_SPLIT:   qkv [B, L, 3, H, d] -> q, k, v [B, H, L, d]
//   UNFUSED_SOFTMAX: s [rows, L] -> softmax(scale·s) in place, one row per invocation
//   UNFUSED_MERGE:   o [B, H, L, d] -> out [B, L, H, d]
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

// Mirrored by unfusedPush in ops/attention_unfused.go.
layout(push_constant) uniform Push {
	uint b;
	uint l;
	uint h;
	uint d;
	float scale;
} p;

#if defined(UNFUSED_SPLIT)
layout(std430, set = 0, binding = 0) readonly buffer QKV { float qkv[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Q { float q[]; };
layout(std430, set = 0, binding = 2) writeonly buffer K { float k[]; };
layout(std430, set = 0, binding = 3) writeonly buffer V { float v[]; };

void main() {
	FOR_EACH(i, p.b * p.h * p.l * p.d) {
		uint e = i % p.d;
		uint t = (i / p.d) % p.l;
		uint hh = (i / (p.d * p.l)) % p.h;
		uint bb = i / (p.d * p.l * p.h);
		uint src = ((bb * p.l + t) * 3u) * p.h * p.d + hh * p.d + e;
		q[i] = qkv[src];
		k[i] = qkv[src + p.h * p.d];
		v[i] = qkv[src + 2u * p.h * p.d];
	}
}

#elif defined(UNFUSED_SOFTMAX)
layout(std430, set = 0, binding = 0) buffer S { float s[]; };

void main() {
	FOR_EACH(row, p.b * p.h * p.l) {
		uint base = row * p.l;
		float m = -1.0 / 0.0;
		for (uint j = 0; j < p.l; j++) {
			m = max(m, p.scale * s[base + j]);
		}
		float sum = 0.0;
		for (uint j = 0; j < p.l; j++) {
			float e = exp(p.scale * s[base + j] - m);
			s[base + j] = e;
			sum += e;
		}
		float inv = 1.0 / sum;
		for (uint j = 0; j < p.l; j++) {
			s[base + j] *= inv;
		}
	}
}

#elif defined(UNFUSED_MERGE)
layout(std430, set = 0, binding = 0) readonly buffer O { float o[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float outv[]; };

void main() {
	FOR_EACH(i, p.b * p.l * p.h * p.d) {
		uint e = i % p.d;
		uint hh = (i / p.d) % p.h;
		uint t = (i / (p.d * p.h)) % p.l;
		uint bb = i / (p.d * p.h * p.l);
		outv[i] = o[((bb * p.h + hh) * p.l + t) * p.d + e];
	}
}

#else
#error define UNFUSED_SPLIT, UNFUSED_SOFTMAX or UNFUSED_MERGE
#endif
