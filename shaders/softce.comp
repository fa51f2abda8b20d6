#version 450
// softce: softmax cross-entropy with soft targets (label smoothing, mixup,
// cutmix) and its gradient, fused, in two passes chosen by a define.
// logits, target, dlogits [N, C]; work [N]; loss [1].
//
// SOFTCE_ROWS (grid-stride, one invocation per sample):
//   m = max_c logits,  lse = m + log Σ_c exp(logits − m)
//   work[n]      = Σ_c target[n,c] · (lse − logits[n,c])
//   dlogits[n,c] = (softmax(logits[n])[c] · Σ_c target[n,c] − target[n,c]) / N
// SOFTCE_FINAL (one workgroup):  loss[0] = Σ_n work[n] / N
//
// The final sum is a fixed-order workgroup tree (loss_wgsum.glsl).
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

#include "loss_wgsum.glsl"

layout(push_constant) uniform Push {
	uint n; // samples
	uint c; // classes
} pc;

#if defined(SOFTCE_ROWS)

layout(std430, set = 0, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, set = 0, binding = 1) readonly buffer Target { float target[]; };
layout(std430, set = 0, binding = 2) writeonly buffer DLogits { float dlogits[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Work { float work[]; };

void main() {
	float invN = 1.0 / float(pc.n);
	FOR_EACH(row, pc.n) {
		uint base = row * pc.c;
		float m = logits[base];
		for (uint k = 1u; k < pc.c; k++) {
			m = max(m, logits[base + k]);
		}
		float s = 0.0, tsum = 0.0;
		for (uint k = 0u; k < pc.c; k++) {
			s += exp(logits[base + k] - m);
			tsum += target[base + k];
		}
		float lse = m + log(s);
		float acc = 0.0;
		for (uint k = 0u; k < pc.c; k++) {
			float z = logits[base + k];
			float t = target[base + k];
			acc += t * (lse - z);
			dlogits[base + k] = (exp(z - lse) * tsum - t) * invN;
		}
		work[row] = acc;
	}
}

#elif defined(SOFTCE_FINAL)

layout(std430, set = 0, binding = 0) readonly buffer Work { float work[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Loss { float loss[]; };

void main() {
	float acc = 0.0;
	for (uint i = gl_LocalInvocationID.x; i < pc.n; i += gl_WorkGroupSize.x) {
		acc += work[i];
	}
	float total = wgSum(acc);
	if (gl_LocalInvocationID.x == 0u) {
		loss[0] = total / float(pc.n);
	}
}

#else
#error define SOFTCE_ROWS or SOFTCE_FINAL
#endif
