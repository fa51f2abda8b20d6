#version 450
// attention_bwd_dkv_gpu: second pass of the attention backward, shaped for a
// GPU (FlashAttention-2 style). A workgroup of BK·TPK invocations owns BK key
// rows of one (sample, head), with their k and v staged in shared memory; it
// walks the queries in shared tiles of BQ rows of q and dO (with their lse
// and D). TPK invocations share a key row: each computes BQ/TPK of its p and
// ds entries, and each owns HD/(4·TPK) vec4s of its dk and dv (interleaved).
// Deterministic: every output element has one owner, no atomics.
//
//   p_ij  = exp(s_ij − lse_i),  s_ij = q_i·k_j / √HD
//   ds_ij = p_ij (dO_i·v_j − D_i)
//   dv_j  = Σ_i p_ij dO_i
//   dk_j  = (1/√HD) Σ_i ds_ij q_i
//
// Grid: x = ⌈L / BK⌉, y = H, z = min(B, 65535). Needs TPK | HD/4, TPK | BQ,
// and local size (constant 0) = BK·TPK.
#include "common.glsl"
#include "attention.glsl"

MAEVK_LOCAL_SIZE_X
layout(constant_id = 2) const uint BK = 16; // key rows per workgroup
layout(constant_id = 3) const uint BQ = 16; // queries per shared tile
layout(constant_id = 4) const uint TPK = 4; // invocations per key row

const uint RS = HD4 + 1;
const uint NE = HD4 / TPK;
const uint QPT = BQ / TPK;
const uint SS = BQ + 1;

ATTN_QKV(0)
ATTN_INPUT(1, DOut, dout)
layout(std430, set = 0, binding = 2) readonly buffer Lse { float lse[]; };
layout(std430, set = 0, binding = 3) readonly buffer Delta { float delta[]; };
layout(std430, set = 0, binding = 4) writeonly buffer DQKV { vec4 dqkv[]; };

shared vec4 Ks[BK * RS]; // scaled by qscale
shared vec4 Vs[BK * RS];
shared vec4 Qs[BQ * RS];
shared vec4 Gs[BQ * RS]; // dO
shared float Ps[BK * SS];
shared float DSs[BK * SS];
shared float Lse2s[BQ], Ds[BQ];

void main() {
	const uint tid = gl_LocalInvocationID.x;
	const uint WG = gl_WorkGroupSize.x;
	const uint kj = tid / TPK, c = tid % TPK;
	const uint h = gl_WorkGroupID.y;
	const uint k0 = gl_WorkGroupID.x * BK;
	FOR_EACH_SAMPLE(b) {
		for (uint x = tid; x < BK * HD4; x += WG) {
			const uint r = x / HD4, e = x % HD4;
			const uint t = k0 + r;
			const bool ok = t < p.L;
			Ks[r * RS + e] = ok ? qkv(qkvAt(b, t, 1u, h) + e) * p.qscale : vec4(0.0);
			Vs[r * RS + e] = ok ? qkv(qkvAt(b, t, 2u, h) + e) : vec4(0.0);
		}
		vec4 dk[NE], dv[NE];
		[[unroll]] for (uint n = 0; n < NE; n++) {
			dk[n] = vec4(0.0);
			dv[n] = vec4(0.0);
		}
		for (uint i0 = 0; i0 < p.L; i0 += BQ) {
			barrier(); // the last tile's Qs, Gs, Ps, DSs, Lse2s, Ds read
			for (uint x = tid; x < BQ * HD4; x += WG) {
				const uint r = x / HD4, e = x % HD4;
				const uint t = i0 + r;
				const bool ok = t < p.L;
				Qs[r * RS + e] = ok ? qkv(qkvAt(b, t, 0u, h) + e) : vec4(0.0);
				Gs[r * RS + e] = ok ? dout(rowAt(b, t, h) + e) : vec4(0.0);
			}
			for (uint r = tid; r < BQ; r += WG) {
				const uint t = i0 + r;
				const bool ok = t < p.L;
				Lse2s[r] = ok ? lse[statAt(b, h, t)] * LOG2E : 0.0;
				Ds[r] = ok ? delta[statAt(b, h, t)] : 0.0;
			}
			barrier();
			float s[QPT], dp[QPT];
			[[unroll]] for (uint ii = 0; ii < QPT; ii++) {
				s[ii] = 0.0;
				dp[ii] = 0.0;
			}
			for (uint e = 0; e < HD4; e++) {
				const vec4 kv = Ks[kj * RS + e], vv = Vs[kj * RS + e];
				[[unroll]] for (uint ii = 0; ii < QPT; ii++) {
					const uint qr = (c + ii * TPK) * RS + e;
					s[ii] += dot(kv, Qs[qr]);
					dp[ii] += dot(vv, Gs[qr]);
				}
			}
			[[unroll]] for (uint ii = 0; ii < QPT; ii++) {
				const uint qi = c + ii * TPK;
				const float pr = i0 + qi < p.L ? exp2(s[ii] - Lse2s[qi]) : 0.0;
				Ps[kj * SS + qi] = pr;
				DSs[kj * SS + qi] = pr * (dp[ii] - Ds[qi]);
			}
			barrier();
			for (uint i = 0; i < BQ; i++) {
				const float pr = Ps[kj * SS + i], ds = DSs[kj * SS + i];
				[[unroll]] for (uint n = 0; n < NE; n++) {
					const uint a = i * RS + c + n * TPK;
					dv[n] += pr * Gs[a];
					dk[n] += ds * Qs[a];
				}
			}
		}
		const uint t = k0 + kj;
		if (t < p.L) {
			const uint ka = qkvAt(b, t, 1u, h), va = qkvAt(b, t, 2u, h);
			const float scale = p.qscale * LN2; // 1/√HD
			[[unroll]] for (uint n = 0; n < NE; n++) {
				dqkv[ka + c + n * TPK] = dk[n] * scale;
				dqkv[va + c + n * TPK] = dv[n];
			}
		}
		barrier(); // Ks, Vs are read no more before the next sample rewrites them
	}
}
