#version 450
// patch: cut images [N, C, H, W] into p×p patches [N, L, p·p·C] or put them
// back. mode 0: patchify, per-patch order (row, col, channel) as the
// reference's patchify; mode 1: patchify, per-patch order (channel, row, col)
// as a Conv2d weight [D, C, p, p] flattened. One invocation per output element, grid-stride.
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

layout(std430, set = 0, binding = 0) readonly buffer Src { float src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Dst { float dst[]; };

layout(push_constant) uniform Push {
	uint total; // N·C·H·W
	uint c;
	uint h;
	uint w;
	uint p;
	uint mode;
} pc;

void main() {
	uint p = pc.p, c = pc.c, h = pc.h, w = pc.w;
	uint gw = w / p;
	uint pd = p * p * c;       // patch vector length
	uint per = (h / p) * gw * pd; // elements per sample
	// i indexes the patches [N, L, p·p·C].
	FOR_EACH(i, pc.total) {
		uint n = i / per;
		uint rest = i - n * per;
		uint tok = rest / pd;
		uint e = rest - tok * pd;
		uint r, q, ch;
		if (pc.mode == 0u) {
			r = e / (p * c);
			q = (e / c) % p;
			ch = e % c;
		} else {
			ch = e / (p * p);
			r = (e / p) % p;
			q = e % p;
		}
		uint y = (tok / gw) * p + r;
		uint x = (tok % gw) * p + q;
		dst[i] = src[((n * c + ch) * h + y) * w + x];
	}
}
