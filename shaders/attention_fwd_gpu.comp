#version 450
// attention_fwd_gpu: fused multi-head self-attention forward, shaped for a
// GPU (flash-attention style). A workgroup of BQ·TPQ invocations owns BQ
// query rows of one (sample, head); it stages tiles of BK keys and values in
// shared memory, reused by every query of the block. TPQ invocations share a
// query row: each computes BK/TPQ of its scores, and each owns HD/(4·TPQ)
// vec4s of its output accumulator (interleaved, so neighbours read
// neighbouring vec4s). Scores go through shared memory, so no subgroup size
// is assumed. Online softmax: running max and sum per row, the accumulator
// rescaled once per tile.
//
//   s_ij  = q_i·k_j / √HD
//   lse_i = ln Σ_j exp(s_ij)
//   o_i   = Σ_j exp(s_ij − lse_i) v_j
//
// Grid: x = ⌈L / BQ⌉, y = H, z = min(B, 65535). Needs TPQ | HD/4, TPQ | BK,
// and local size (constant 0) = BQ·TPQ.
#include "common.glsl"
#include "attention.glsl"

MAEVK_LOCAL_SIZE_X
layout(constant_id = 2) const uint BQ = 16; // query rows per workgroup
layout(constant_id = 3) const uint BK = 16; // keys per shared tile
layout(constant_id = 4) const uint TPQ = 4; // invocations per query row

const uint RS = HD4 + 1;      // shared row stride in vec4s, padded against bank conflicts
const uint NE = HD4 / TPQ;    // accumulator vec4s per invocation
const uint KPT = BK / TPQ;    // scores per invocation per tile
const uint SS = BK + 1;       // score row stride

ATTN_QKV(0)
ATTN_O_OUT(1)
layout(std430, set = 0, binding = 2) writeonly buffer Lse { float lse[]; };

shared vec4 Qs[BQ * RS]; // scaled by qscale
shared vec4 Ks[BK * RS];
shared vec4 Vs[BK * RS];
shared float Ss[BQ * SS]; // base-2 scores of the tile

void main() {
	const uint tid = gl_LocalInvocationID.x;
	const uint WG = gl_WorkGroupSize.x;
	const uint qi = tid / TPQ; // this invocation's row in the block
	const uint c = tid % TPQ;  // its lane within the row
	const uint h = gl_WorkGroupID.y;
	const uint q0 = gl_WorkGroupID.x * BQ;
	FOR_EACH_SAMPLE(b) {
		for (uint x = tid; x < BQ * HD4; x += WG) {
			const uint r = x / HD4, e = x % HD4;
			const uint t = q0 + r;
			Qs[r * RS + e] = t < p.L ? qkv(qkvAt(b, t, 0u, h) + e) * p.qscale : vec4(0.0);
		}
		vec4 acc[NE];
		[[unroll]] for (uint n = 0; n < NE; n++) {
			acc[n] = vec4(0.0);
		}
		float m = NEG_BIG, l = 0.0;
		for (uint j0 = 0; j0 < p.L; j0 += BK) {
			barrier(); // the last tile's Ks, Vs, Ss are no longer read
			for (uint x = tid; x < BK * HD4; x += WG) {
				const uint r = x / HD4, e = x % HD4;
				const uint t = j0 + r;
				const bool ok = t < p.L;
				Ks[r * RS + e] = ok ? qkv(qkvAt(b, t, 1u, h) + e) : vec4(0.0);
				Vs[r * RS + e] = ok ? qkv(qkvAt(b, t, 2u, h) + e) : vec4(0.0);
			}
			barrier();
			float s[KPT];
			[[unroll]] for (uint kk = 0; kk < KPT; kk++) {
				s[kk] = 0.0;
			}
			for (uint e = 0; e < HD4; e++) {
				const vec4 qv = Qs[qi * RS + e];
				[[unroll]] for (uint kk = 0; kk < KPT; kk++) {
					s[kk] += dot(qv, Ks[(c + kk * TPQ) * RS + e]);
				}
			}
			[[unroll]] for (uint kk = 0; kk < KPT; kk++) {
				const uint kj = c + kk * TPQ;
				Ss[qi * SS + kj] = j0 + kj < p.L ? s[kk] : NEG_BIG;
			}
			barrier();
			// Every invocation of the row reads the whole score row and
			// keeps the same running max and sum.
			float mx = m;
			for (uint k = 0; k < BK; k++) {
				mx = max(mx, Ss[qi * SS + k]);
			}
			const float alpha = exp2(m - mx);
			m = mx;
			l *= alpha;
			[[unroll]] for (uint n = 0; n < NE; n++) {
				acc[n] *= alpha;
			}
			for (uint k = 0; k < BK; k++) {
				const float pk = exp2(Ss[qi * SS + k] - mx);
				l += pk;
				[[unroll]] for (uint n = 0; n < NE; n++) {
					acc[n] += pk * Vs[k * RS + c + n * TPQ];
				}
			}
		}
		const uint t = q0 + qi;
		if (t < p.L) {
			const uint oa = rowAt(b, t, h);
			const float inv = 1.0 / l;
			[[unroll]] for (uint n = 0; n < NE; n++) {
				storeO(oa + c + n * TPQ, acc[n] * inv);
			}
			if (c == 0u) {
				lse[statAt(b, h, t)] = (m + log2(l)) * LN2;
			}
		}
		barrier(); // Qs is read no more before the next sample rewrites it
	}
}
