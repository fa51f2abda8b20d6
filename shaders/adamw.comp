#version 450
// adamw: one fused torch.optim.AdamW step (amsgrad off) over a flat
// parameter buffer, with the gradient clipped as clip_grad_norm_ does.
//
// Fixed hyper-parameters come in push constants; the per-step values come
// from hyper = [lr, bc1 = 1 − β1^t, bc2 = 1 − β2^t, max_norm], written by the
// host before each submit, so one recording serves every step. With
// clip != 0 and max_norm > 0, c = max_norm / (norm[0] + 1e-6) and the
// gradient is scaled by c where c < 1. With clip != 0, a norm that is NaN
// or infinite skips the whole step: parameters and moments stay as they
// are (the trainer counts the step as skipped). decay holds nRanges sorted,
// non-overlapping [start, end) pairs of element indices that take weight
// decay (uint32 words). Per element, g = scale·grad[i]:
//   p = p·(1 − lr·wd)            (in a decay range)
//   m = β1·m + (1 − β1)·g
//   v = β2·v + (1 − β2)·g²
//   p = p − (lr/bc1)·m / (√v/√bc2 + eps)
// ADAMW_STEP takes t from the device's count of applied updates instead
// (binding 7, steps[0] = t − 1, which adamw_count.comp advances after the
// update unless it was skipped): when t is the step hyper[4] names (uint
// bits), the host's bc1 and bc2 (float64, rounded once) are used, else
// bc = 1 − β^t computed here in fp32 (after a skipped step the host's
// guess of t lags until it reads the skip back).
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

layout(std430, set = 0, binding = 0) buffer Param { float param[]; };
layout(std430, set = 0, binding = 1) readonly buffer Grad { float grad[]; };
layout(std430, set = 0, binding = 2) buffer M { float mom[]; };
layout(std430, set = 0, binding = 3) buffer V { float vel[]; };
#ifdef ADAMW_STEP
// hyper[4] is a uint: read every word as bits (a load as float could flush
// the small integer's denormal pattern).
layout(std430, set = 0, binding = 4) readonly buffer Hyper { uint hyperBits[]; };
#define HYPER(i) uintBitsToFloat(hyperBits[i])
#else
layout(std430, set = 0, binding = 4) readonly buffer Hyper { float hyper[]; };
#define HYPER(i) hyper[i]
#endif
layout(std430, set = 0, binding = 5) readonly buffer Norm { float norm[]; };
layout(std430, set = 0, binding = 6) readonly buffer Decay { uint ranges[]; };
#ifdef ADAMW_STEP
layout(std430, set = 0, binding = 7) readonly buffer Step { uint steps[]; };

// b^t for t ≥ 0 by repeated squaring: fp32 multiplications only, so every
// device gives the same bits.
float powInt(float b, uint t) {
	float r = 1.0;
	while (t != 0u) {
		if ((t & 1u) != 0u) {
			r *= b;
		}
		b *= b;
		t >>= 1u;
	}
	return r;
}
#endif

layout(push_constant) uniform Push {
	uint n;
	float beta1;
	float beta2;
	float eps;
	float wd;
	uint nRanges;
	uint clip; // bit 0: clip with norm[0]; bit 1: skip the step when norm[0] is Inf or NaN; 0: norm not bound
} pc;

void main() {
	float lr = HYPER(0);
#ifdef ADAMW_STEP
	uint t = steps[0] + 1u;
	float bc1 = HYPER(1);
	float bc2 = HYPER(2);
	if (t != hyperBits[4]) {
		bc1 = 1.0 - powInt(pc.beta1, t);
		bc2 = 1.0 - powInt(pc.beta2, t);
	}
#else
	float bc1 = HYPER(1);
	float bc2 = HYPER(2);
#endif
	float maxNorm = HYPER(3);
	float scale = 1.0;
	if (pc.clip != 0u && (isnan(norm[0]) || isinf(norm[0]))) {
		return;
	}
	if (pc.clip != 0u && maxNorm > 0.0) {
		float c = maxNorm / (norm[0] + 1e-6);
		if (c < 1.0) {
			scale = c;
		}
	}
	float stepSize = lr / bc1;
	float bc2Sqrt = sqrt(bc2);
	float decayed = 1.0 - lr * pc.wd;

	// cur: the first range whose end is past i. Found by binary search for
	// the first i, then advanced as the grid-stride loop moves on.
	uint nr = pc.nRanges;
	uint lo = 0u, hi = nr;
	uint i0 = gl_GlobalInvocationID.x;
	while (lo < hi) {
		uint mid = (lo + hi) / 2u;
		if (ranges[2u * mid + 1u] <= i0) {
			lo = mid + 1u;
		} else {
			hi = mid;
		}
	}
	uint cur = lo;
	FOR_EACH(i, pc.n) {
		while (cur < nr && ranges[2u * cur + 1u] <= i) {
			cur++;
		}
		float pv = param[i];
		if (cur < nr && ranges[2u * cur] <= i) {
			pv *= decayed;
		}
		float g = grad[i] * scale;
		float mv = pc.beta1 * mom[i] + (1.0 - pc.beta1) * g;
		float vv = pc.beta2 * vel[i] + (1.0 - pc.beta2) * g * g;
		mom[i] = mv;
		vel[i] = vv;
		param[i] = pv - stepSize * mv / (sqrt(vv) / bc2Sqrt + pc.eps);
	}
}
