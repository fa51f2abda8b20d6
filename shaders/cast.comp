#version 450
// cast: convert a tensor between fp32 and the 16-bit format of
// storage.glsl (HALF_FP16 or HALF_BF16), element by element:
//   CAST_TO_HALF:  dst[i] = float_to_half(src[i])   (round to nearest even)
//   CAST_TO_FLOAT: dst[i] = half_to_float(src[i])   (exact)
// The training step casts the fp32 master weights once with CAST_TO_HALF.
#include "common.glsl"
#include "storage.glsl"

MAEVK_LOCAL_SIZE_X

layout(push_constant) uniform Push {
	uint n; // elements
} pc;

#if defined(CAST_TO_HALF)
layout(std430, set = 0, binding = 0) readonly buffer Src { float src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Dst { uint16_t dst[]; };

void main() {
	FOR_EACH(i, pc.n) {
		dst[i] = HALF_WORD(src[i]);
	}
}
#elif defined(CAST_TO_FLOAT)
layout(std430, set = 0, binding = 0) readonly buffer Src { uint16_t src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Dst { float dst[]; };

void main() {
	FOR_EACH(i, pc.n) {
		dst[i] = half_to_float(uint(src[i]));
	}
}
#else
#error "define CAST_TO_HALF or CAST_TO_FLOAT"
#endif
