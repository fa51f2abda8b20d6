// gemm_scalar_ab.glsl: A and B (bindings 0 and 1) for the GEMM variants
// that read them one element at a time (gemm_generic, gemm_tiled).
// LOAD_A(i) / LOAD_B(i) return element i as fp32, whether the operand is
// stored fp32 or, with GEMM_A16 / GEMM_B16, as 16-bit words (storage.glsl).
#ifndef MAEVK_GEMM_SCALAR_AB_GLSL
#define MAEVK_GEMM_SCALAR_AB_GLSL

#include "storage.glsl"

#ifdef GEMM_A16
layout(std430, set = 0, binding = 0) readonly buffer ABuf { uint16_t A[]; };
#define LOAD_A(i) half_to_float(uint(A[i]))
#else
layout(std430, set = 0, binding = 0) readonly buffer ABuf { float A[]; };
#define LOAD_A(i) A[i]
#endif
#ifdef GEMM_B16
layout(std430, set = 0, binding = 1) readonly buffer BBuf { uint16_t B[]; };
#define LOAD_B(i) half_to_float(uint(B[i]))
#else
layout(std430, set = 0, binding = 1) readonly buffer BBuf { float B[]; };
#define LOAD_B(i) B[i]
#endif

#endif
