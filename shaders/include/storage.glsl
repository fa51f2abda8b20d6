// storage.glsl: how a float tensor is stored on the device.
//
// Every tensor is fp32 unless a shader is compiled with one 16-bit format,
// HALF_FP16 (IEEE binary16) or HALF_BF16 (the top 16 bits of an fp32), and
// declares some of its operands 16-bit (each shader names its own switches,
// e.g. GEMM_A16). A 16-bit tensor is an array of 16-bit words:
//   - scalar access declares the buffer uint16_t[] (storageBuffer16BitAccess),
//   - vec4 access declares it uvec2[] (4 words in 8 bytes, element 4i first).
// Arithmetic stays fp32: loads widen, stores round to nearest even. The
// conversions use integer operations only, so they need no fp16 arithmetic
// and give the same bits on every device (ops/half.go mirrors them).
//
//   half_to_float(w)   one 16-bit word (in the low bits of a uint) to fp32
//   float_to_half(v)   fp32 to one 16-bit word, round to nearest even
//   half4_to_vec4(w)   four packed words to a vec4
//   vec4_to_half4(v)   a vec4 to four packed words
//   HALF_WORD(v)       float_to_half as a uint16_t, for a scalar store
#ifndef MAEVK_STORAGE_GLSL
#define MAEVK_STORAGE_GLSL

#if defined(HALF_FP16) && defined(HALF_BF16)
#error "define at most one of HALF_FP16, HALF_BF16"
#endif

#if defined(HALF_FP16) || defined(HALF_BF16)
#extension GL_EXT_shader_16bit_storage : require
#define HALF_STORAGE 1

#if defined(HALF_BF16)

float half_to_float(uint w) {
	return uintBitsToFloat(w << 16);
}

uint float_to_half(float v) {
	uint x = floatBitsToUint(v);
	if ((x & 0x7fffffffu) > 0x7f800000u) {
		return (x >> 16) | 0x40u; // NaN stays a (quiet) NaN
	}
	return (x + 0x7fffu + ((x >> 16) & 1u)) >> 16;
}

#else // HALF_FP16

float half_to_float(uint w) {
	return unpackHalf2x16(w).x;
}

uint float_to_half(float v) {
	uint x = floatBitsToUint(v);
	uint sign = (x >> 16) & 0x8000u;
	uint ax = x & 0x7fffffffu;
	if (ax > 0x7f800000u) {
		return sign | 0x7e00u; // NaN
	}
	if (ax >= 0x477ff000u) {
		return sign | 0x7c00u; // ≥ 65520 rounds to Inf
	}
	if (ax < 0x38800000u) {
		// Below 2^-14: a subnormal half, |v|/2^-24 rounded to an integer
		// (exact scaling by a power of two, then round half to even).
		return sign | uint(roundEven(uintBitsToFloat(ax) * 16777216.0));
	}
	// Normal: round the 23-bit mantissa to 10 bits, rebias 127 → 15.
	uint r = ax + 0xfffu + ((ax >> 13) & 1u);
	return sign | ((r - 0x38000000u) >> 13);
}

#endif

vec4 half4_to_vec4(uvec2 w) {
	return vec4(half_to_float(w.x & 0xffffu), half_to_float(w.x >> 16),
	            half_to_float(w.y & 0xffffu), half_to_float(w.y >> 16));
}

uvec2 vec4_to_half4(vec4 v) {
	return uvec2(float_to_half(v.x) | (float_to_half(v.y) << 16),
	             float_to_half(v.z) | (float_to_half(v.w) << 16));
}

// HALF_WORD(v) is the store of float v into a uint16_t[] buffer. (A
// macro: a function returning uint16_t would need the Int16 capability.)
#define HALF_WORD(v) uint16_t(float_to_half(v))

#endif // 16-bit format
#endif
