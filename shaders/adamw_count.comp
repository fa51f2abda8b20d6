#version 450
// adamw_count: after an AdamW update (adamw.comp with ADAMW_STEP), add one
// to the count of applied updates, steps[0], unless the update was skipped:
// with clip != 0, a gradient norm that is NaN or infinite. So a skipped
// step does not advance the bias corrections' t, as in PyTorch, where
// GradScaler.step skips optimizer.step. One invocation.
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

layout(std430, set = 0, binding = 0) readonly buffer Norm { float norm[]; };
layout(std430, set = 0, binding = 1) buffer Step { uint steps[]; };

layout(push_constant) uniform Push {
	uint clip; // as adamw.comp's: 0 when norm is not bound
} pc;

void main() {
	if (gl_GlobalInvocationID.x != 0u) {
		return;
	}
	if (pc.clip != 0u && (isnan(norm[0]) || isinf(norm[0]))) {
		return;
	}
	steps[0] += 1u;
}
