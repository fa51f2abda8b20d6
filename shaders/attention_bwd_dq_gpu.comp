#version 450
// attention_bwd_dq_gpu: first pass of the attention backward, shaped for a
// GPU (FlashAttention-2 style). A workgroup of BQ·TPQ invocations owns BQ
// query rows of one (sample, head), with their q and dO staged in shared
// memory; it walks the keys in shared tiles of BK keys and values. TPQ
// invocations share a row: each computes BK/TPQ of its ds entries, and each
// owns HD/(4·TPQ) vec4s of its dq (interleaved). It also writes D_i, which
// the key pass reads.
//
//   D_i   = dO_i · o_i
//   p_ij  = exp(s_ij − lse_i),  s_ij = q_i·k_j / √HD
//   ds_ij = p_ij (dO_i·v_j − D_i)
//   dq_i  = (1/√HD) Σ_j ds_ij k_j
//
// Grid: x = ⌈L / BQ⌉, y = H, z = min(B, 65535). Needs TPQ | HD/4, TPQ | BK,
// and local size (constant 0) = BQ·TPQ.
#include "common.glsl"
#include "attention.glsl"

MAEVK_LOCAL_SIZE_X
layout(constant_id = 2) const uint BQ = 16; // query rows per workgroup
layout(constant_id = 3) const uint BK = 16; // keys per shared tile
layout(constant_id = 4) const uint TPQ = 4; // invocations per query row

const uint RS = HD4 + 1;
const uint NE = HD4 / TPQ;
const uint KPT = BK / TPQ;
const uint SS = BK + 1;

ATTN_QKV(0)
ATTN_O_IN(1)
ATTN_INPUT(2, DOut, dout)
layout(std430, set = 0, binding = 3) readonly buffer Lse { float lse[]; };
layout(std430, set = 0, binding = 4) writeonly buffer DQKV { vec4 dqkv[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Delta { float delta[]; };

shared vec4 Qs[BQ * RS]; // scaled by qscale
shared vec4 Gs[BQ * RS]; // dO
shared vec4 Ks[BK * RS];
shared vec4 Vs[BK * RS];
shared float DSs[BQ * SS];
shared float Lse2s[BQ], Ds[BQ];

void main() {
	const uint tid = gl_LocalInvocationID.x;
	const uint WG = gl_WorkGroupSize.x;
	const uint qi = tid / TPQ, c = tid % TPQ;
	const uint h = gl_WorkGroupID.y;
	const uint q0 = gl_WorkGroupID.x * BQ;
	FOR_EACH_SAMPLE(b) {
		for (uint x = tid; x < BQ * HD4; x += WG) {
			const uint r = x / HD4, e = x % HD4;
			const uint t = q0 + r;
			const bool ok = t < p.L;
			Qs[r * RS + e] = ok ? qkv(qkvAt(b, t, 0u, h) + e) * p.qscale : vec4(0.0);
			Gs[r * RS + e] = ok ? dout(rowAt(b, t, h) + e) : vec4(0.0);
		}
		barrier();
		for (uint r = tid; r < BQ; r += WG) {
			const uint t = q0 + r;
			float d = 0.0, l2 = 0.0;
			if (t < p.L) {
				const uint ra = rowAt(b, t, h);
				for (uint e = 0; e < HD4; e++) {
					d += dot(Gs[r * RS + e], o(ra + e));
				}
				l2 = lse[statAt(b, h, t)] * LOG2E;
				delta[statAt(b, h, t)] = d;
			}
			Ds[r] = d;
			Lse2s[r] = l2;
		}
		vec4 acc[NE];
		[[unroll]] for (uint n = 0; n < NE; n++) {
			acc[n] = vec4(0.0);
		}
		for (uint j0 = 0; j0 < p.L; j0 += BK) {
			barrier(); // Ds, Lse2s written; the last tile's Ks, Vs, DSs read
			for (uint x = tid; x < BK * HD4; x += WG) {
				const uint r = x / HD4, e = x % HD4;
				const uint t = j0 + r;
				const bool ok = t < p.L;
				Ks[r * RS + e] = ok ? qkv(qkvAt(b, t, 1u, h) + e) : vec4(0.0);
				Vs[r * RS + e] = ok ? qkv(qkvAt(b, t, 2u, h) + e) : vec4(0.0);
			}
			barrier();
			float s[KPT], dp[KPT];
			[[unroll]] for (uint kk = 0; kk < KPT; kk++) {
				s[kk] = 0.0;
				dp[kk] = 0.0;
			}
			for (uint e = 0; e < HD4; e++) {
				const vec4 qv = Qs[qi * RS + e], gv = Gs[qi * RS + e];
				[[unroll]] for (uint kk = 0; kk < KPT; kk++) {
					const uint kr = (c + kk * TPQ) * RS + e;
					s[kk] += dot(qv, Ks[kr]);
					dp[kk] += dot(gv, Vs[kr]);
				}
			}
			const float l2 = Lse2s[qi], di = Ds[qi];
			[[unroll]] for (uint kk = 0; kk < KPT; kk++) {
				const uint kj = c + kk * TPQ;
				DSs[qi * SS + kj] = j0 + kj < p.L ? exp2(s[kk] - l2) * (dp[kk] - di) : 0.0;
			}
			barrier();
			for (uint k = 0; k < BK; k++) {
				const float ds = DSs[qi * SS + k];
				[[unroll]] for (uint n = 0; n < NE; n++) {
					acc[n] += ds * Ks[k * RS + c + n * TPQ];
				}
			}
		}
		const uint t = q0 + qi;
		if (t < p.L) {
			const uint da = qkvAt(b, t, 0u, h);
			const float scale = p.qscale * LN2; // 1/√HD
			[[unroll]] for (uint n = 0; n < NE; n++) {
				dqkv[da + c + n * TPQ] = acc[n] * scale;
			}
		}
		barrier(); // Qs, Gs, Ds, Lse2s are read no more before the next sample
	}
}
