#version 450
// compose: one window frame of mae-vk-view, pixel by pixel. The scene (the
// reconstruction grid of mae.ReconGrid at scale 1: rows of original |
// masked | reconstruction | pasted, separated by `sep` pixels) is enlarged
// by `scale` with nearest-neighbour sampling at (off_x, off_y); visible
// patches are tinted by the attention heat of their row; the hovered patch
// gets an outline; the UI layer (status bar, loss curve; enlarged by
// ui_scale) is blended over it with its alpha. All arithmetic is integer,
// so the CPU reference (ops.ComposeRef) matches bit for bit.
//
// Pixels are packed RGBA8 (r | g<<8 | b<<16 | a<<24); the frame is written
// as BGRA when bgra != 0.
//
//	bindings: scene ro [src_w·src_h], heat ro [rows·grid²] (0..255),
//	          ui ro [ui_w·ui_h], frame wo [frame_w·frame_h]
#include "common.glsl"

MAEVK_LOCAL_SIZE_X

layout(push_constant) uniform Push {
	uint frame_w, frame_h;
	uint src_w, src_h;
	uint scale;
	int off_x, off_y;
	uint ui_w, ui_h, ui_scale;
	uint bgra;
	uint img, sep, patch_px, grid, rows;
	int hover_row, hover_patch;
} p;

layout(std430, set = 0, binding = 0) readonly buffer Scene { uint scene[]; };
layout(std430, set = 0, binding = 1) readonly buffer Heat { uint heat[]; };
layout(std430, set = 0, binding = 2) readonly buffer UI { uint ui[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Frame { uint frame[]; };

// Colours as (r, g, b).
const uvec3 background = uvec3(28, 30, 36);
const uvec3 tint = uvec3(255, 40, 20);
const uvec3 outline = uvec3(255, 220, 0);

uvec3 unpack_rgb(uint v) { return uvec3(v & 255u, (v >> 8) & 255u, (v >> 16) & 255u); }

// blend is (a·over + (255 − a)·under) / 255, rounded.
uvec3 blend(uvec3 under, uvec3 over, uint a) { return (over * a + under * (255u - a) + 127u) / 255u; }

void main() {
	FOR_EACH(i, p.frame_w * p.frame_h) {
		int x = int(i % p.frame_w), y = int(i / p.frame_w);
		uvec3 col = background;
		int dx = x - p.off_x, dy = y - p.off_y;
		if (dx >= 0 && dy >= 0) {
			uint sx = uint(dx) / p.scale, sy = uint(dy) / p.scale;
			if (sx < p.src_w && sy < p.src_h) {
				col = unpack_rgb(scene[sy * p.src_w + sx]);
				if (sx >= p.sep && sy >= p.sep) {
					uint cell = p.img + p.sep;
					uint row = (sy - p.sep) / cell, ry = (sy - p.sep) % cell;
					uint panel = (sx - p.sep) / cell, rx = (sx - p.sep) % cell;
					if (ry < p.img && rx < p.img && row < p.rows && panel < 2u) {
						uint pidx = (ry / p.patch_px) * p.grid + rx / p.patch_px;
						uint h = heat[row * p.grid * p.grid + pidx];
						if (h > 0u) {
							col = blend(col, tint, h * 166u / 255u);
						}
						uint px = rx % p.patch_px, py = ry % p.patch_px;
						bool edge = px == 0u || py == 0u || px == p.patch_px - 1u || py == p.patch_px - 1u;
						if (edge && int(row) == p.hover_row && int(pidx) == p.hover_patch) {
							col = outline;
						}
					}
				}
			}
		}
		uint ux = uint(x) / p.ui_scale, uy = uint(y) / p.ui_scale;
		if (ux < p.ui_w && uy < p.ui_h) {
			uint u = ui[uy * p.ui_w + ux];
			col = blend(col, unpack_rgb(u), u >> 24);
		}
		frame[i] = p.bgra != 0u ? (col.b | (col.g << 8) | (col.r << 16) | (255u << 24))
		                        : (col.r | (col.g << 8) | (col.b << 16) | (255u << 24));
	}
}
