#version 450
// gelu: the exact (erf) GELU of n elements and its backward, one variant
// per define; the _vec4 variants (GELU_VEC4) see the buffers as vec4 and
// take n in vec4s. GELU_X16 reads x, GELU_Y16 (GELU_FWD) stores y in the
// 16-bit format of storage.glsl.
//
//	GELU_FWD   y  = gelu(x)                     bindings: x ro, y wo
//	GELU_BWD   dx = dy · gelu'(x)               bindings: x ro, dy ro, dx wo
//	GELU_ERF   y  = erf(x) (for the erf test)   bindings: x ro, y wo
#include "common.glsl"
#include "erf.glsl"
#include "storage.glsl"

MAEVK_LOCAL_SIZE_X

#ifdef GELU_VEC4
#define T vec4
#define MAP(f, v) vec4(f(v.x), f(v.y), f(v.z), f(v.w))
#else
#define T float
#define MAP(f, v) f(v)
#endif

layout(push_constant) uniform Push {
	uint n;
} p;

#ifdef GELU_X16
// x in the 16-bit format of storage.glsl.
#ifdef GELU_VEC4
layout(std430, set = 0, binding = 0) readonly buffer X { uvec2 x[]; };
#define LOAD_X(i) half4_to_vec4(x[i])
#else
layout(std430, set = 0, binding = 0) readonly buffer X { uint16_t x[]; };
#define LOAD_X(i) half_to_float(uint(x[i]))
#endif
#else
layout(std430, set = 0, binding = 0) readonly buffer X { T x[]; };
#define LOAD_X(i) x[i]
#endif

#if defined(GELU_FWD) && defined(GELU_Y16)
// y in the 16-bit format of storage.glsl.
#ifdef GELU_VEC4
layout(std430, set = 0, binding = 1) writeonly buffer Y { uvec2 y[]; };
#define STORE_Y(v) vec4_to_half4(v)
#else
layout(std430, set = 0, binding = 1) writeonly buffer Y { uint16_t y[]; };
#define STORE_Y(v) HALF_WORD(v)
#endif

#elif defined(GELU_FWD) || defined(GELU_ERF)
layout(std430, set = 0, binding = 1) writeonly buffer Y { T y[]; };
#define STORE_Y(v) (v)
#elif defined(GELU_BWD)
layout(std430, set = 0, binding = 1) readonly buffer DY { T dy[]; };
layout(std430, set = 0, binding = 2) writeonly buffer DX { T dx[]; };
#else
#error define GELU_FWD, GELU_BWD or GELU_ERF
#endif

void main() {
	FOR_EACH(i, p.n) {
		T v = LOAD_X(i);
#if defined(GELU_FWD)
		y[i] = STORE_Y(MAP(gelu_f32, v));
#elif defined(GELU_ERF)
		y[i] = STORE_Y(MAP(erf_f32, v));
#else
		dx[i] = dy[i] * MAP(gelu_grad_f32, v);
#endif
	}
}
