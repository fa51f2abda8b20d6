#version 450
// axpy: y = a*x + y over n floats.
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) buffer Y { float y[]; };

layout(push_constant) uniform Push {
	uint n;
	float a;
} p;

void main() {
	FOR_EACH(i, p.n) {
		y[i] += p.a * x[i];
	}
}
