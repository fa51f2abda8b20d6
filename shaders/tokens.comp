#version 450
// tokens: the encoder's input sequence. For sample n, with e the embedded
// visible patches [N, Lk, D], ids_keep [N, Lk] their patch indices, cls
// [D] and the position table pos [1+L, D] (row 0 for the class token):
//
//   x[n, 0, :]   = cls + pos[0, :]
//   x[n, 1+j, :] = e[n, j, :] + pos[1 + ids_keep[n, j], :]
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

layout(std430, set = 0, binding = 0) readonly buffer EBuf { float e[]; };
layout(std430, set = 0, binding = 1) readonly buffer ClsBuf { float cls[]; };
layout(std430, set = 0, binding = 2) readonly buffer PosBuf { float pos[]; };
layout(std430, set = 0, binding = 3) readonly buffer IdsBuf { int ids[]; };
layout(std430, set = 0, binding = 4) writeonly buffer XBuf { float x[]; };

// Mirrored by tokensPush in ops/tokens.go.
layout(push_constant) uniform Push {
	uint n;  // samples
	uint lk; // visible tokens per sample
	uint d;  // width
} p;

void main() {
	uint rows = p.n * (1 + p.lk);
	FOR_EACH(i, rows * p.d) {
		uint col = i % p.d;
		uint row = i / p.d;
		uint s = row / (1 + p.lk);
		uint t = row % (1 + p.lk);
		if (t == 0) {
			x[i] = cls[col] + pos[col];
		} else {
			uint j = s * p.lk + (t - 1);
			x[i] = e[j * p.d + col] + pos[(1 + uint(ids[j])) * p.d + col];
		}
	}
}
