#version 450
// loss: the masked MSE loss of MAE with optional normalized-pixel targets,
// in three passes chosen by a define. pred, target, dpred [N·L rows, P],
// mask [N·L] (1 = masked), work [1 + N·L], loss [1].
//
// LOSS_MASKSUM (one workgroup):  work[0] = Σ mask
// LOSS_ROWS (one workgroup per row, grid-stride), with t' the target,
//   standardized per row by its mean and unbiased variance when normPix:
//     dpred[row,e]  = 2·mask[row]·(pred[row,e] − t'[row,e]) / (P·work[0])
//     work[1 + row] = mask[row] · (1/P) Σ_e (pred[row,e] − t'[row,e])²
// LOSS_FINAL (one workgroup):    loss[0] = Σ_row work[1 + row] / work[0]
//
// Every sum is a fixed-order workgroup tree (loss_wgsum.glsl): the result
// does not change from run to run.
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

// After the workgroup size: wgSum reads gl_WorkGroupSize.
#include "loss_wgsum.glsl"

layout(push_constant) uniform Push {
	uint rows; // N·L
	uint p;
	uint normPix; // 0: raw targets
} pc;

#if defined(LOSS_MASKSUM)

layout(std430, set = 0, binding = 0) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Work { float work[]; };

void main() {
	float acc = 0.0;
	for (uint i = gl_LocalInvocationID.x; i < pc.rows; i += gl_WorkGroupSize.x) {
		acc += mask[i];
	}
	float total = wgSum(acc);
	if (gl_LocalInvocationID.x == 0u) {
		work[0] = total;
	}
}

#elif defined(LOSS_ROWS)

layout(std430, set = 0, binding = 0) readonly buffer Pred { float pred[]; };
layout(std430, set = 0, binding = 1) readonly buffer Target { float target[]; };
layout(std430, set = 0, binding = 2) readonly buffer Mask { float mask[]; };
layout(std430, set = 0, binding = 3) writeonly buffer DPred { float dpred[]; };
layout(std430, set = 0, binding = 4) buffer Work { float work[]; };

// One invocation per patch: a patch is a few dozen to a few hundred
// floats, and per-row workgroups would spend their time in barriers
// (costly on the CPU drivers) for no gain.
void main() {
	float p = float(pc.p);
	float msum = work[0];
	FOR_EACH(row, pc.rows) {
		uint base = row * pc.p;
		float t0 = 0.0, mean = 0.0, inv = 1.0;
		if (pc.normPix != 0u) {
			// Moments of t - t[0]: exact for constant patches and
			// free of the cancellation of a large common offset.
			t0 = target[base];
			float s = 0.0;
			for (uint e = 0; e < pc.p; e++) {
				s += target[base + e] - t0;
			}
			mean = s / p;
			float q = 0.0;
			for (uint e = 0; e < pc.p; e++) {
				float dd = (target[base + e] - t0) - mean;
				q += dd * dd;
			}
			inv = 1.0 / sqrt(q / (p - 1.0) + 1e-6);
		}
		float mk = mask[row];
		float coef = 2.0 * mk / (p * msum);
		float acc = 0.0;
		for (uint e = 0; e < pc.p; e++) {
			float diff = pred[base + e] - ((target[base + e] - t0) - mean) * inv;
			acc += diff * diff;
			dpred[base + e] = coef * diff;
		}
		work[1u + row] = acc / p * mk;
	}
}

#elif defined(LOSS_FINAL)

layout(std430, set = 0, binding = 0) readonly buffer Work { float work[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Loss { float loss[]; };

void main() {
	float acc = 0.0;
	for (uint i = gl_LocalInvocationID.x; i < pc.rows; i += gl_WorkGroupSize.x) {
		acc += work[1u + i];
	}
	float total = wgSum(acc);
	if (gl_LocalInvocationID.x == 0u) {
		loss[0] = total / work[0];
	}
}

#else
#error define LOSS_MASKSUM, LOSS_ROWS or LOSS_FINAL
#endif
