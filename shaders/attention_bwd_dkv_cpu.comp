#version 450
// attention_bwd_dkv_cpu: second pass of the attention backward, shaped for
// the CPU drivers. Each invocation owns R key rows of one (sample, head) with
// k, v and the dk, dv accumulators in registers, and streams the queries
// (q, dO with vec4 loads; lse and D from the forward and the first pass).
// Deterministic: every output element has one owner, no atomics.
// ATTN_TEXEL reads qkv and dO through texel buffers.
//
//   p_ij  = exp(s_ij − lse_i),  s_ij = q_i·k_j / √HD
//   ds_ij = p_ij (dO_i·v_j − D_i)
//   dv_j  = Σ_i p_ij dO_i
//   dk_j  = (1/√HD) Σ_i ds_ij q_i
//
// Grid: x = ⌈L / (WG·R)⌉, y = H, z = min(B, 65535); key rows laid out like
// the query rows of attention_fwd_cpu.
#include "common.glsl"
#include "attention.glsl"

MAEVK_LOCAL_SIZE_X
layout(constant_id = 2) const uint R = 2; // key rows per invocation

ATTN_QKV(0)
ATTN_INPUT(1, DOut, dout)
layout(std430, set = 0, binding = 2) readonly buffer Lse { float lse[]; };
layout(std430, set = 0, binding = 3) readonly buffer Delta { float delta[]; };
layout(std430, set = 0, binding = 4) writeonly buffer DQKV { vec4 dqkv[]; };

void main() {
	const uint h = gl_WorkGroupID.y;
	const uint first = gl_WorkGroupID.x * gl_WorkGroupSize.x * R + gl_LocalInvocationID.x;
	FOR_EACH_SAMPLE(b) {
		vec4 k[R][HD4]; // scaled by qscale
		vec4 v[R][HD4];
		vec4 dk[R][HD4];
		vec4 dv[R][HD4];
		[[unroll]] for (uint r = 0; r < R; r++) {
			const uint t = min(first + r * gl_WorkGroupSize.x, p.L - 1u);
			const uint ka = qkvAt(b, t, 1u, h), va = qkvAt(b, t, 2u, h);
			[[unroll]] for (uint e = 0; e < HD4; e++) {
				k[r][e] = qkv(ka + e) * p.qscale;
				v[r][e] = qkv(va + e);
				dk[r][e] = vec4(0.0);
				dv[r][e] = vec4(0.0);
			}
		}
		for (uint i = 0; i < p.L; i++) {
			const uint qa = qkvAt(b, i, 0u, h), ga = rowAt(b, i, h);
			const uint st = statAt(b, h, i);
			const float lse2 = lse[st] * LOG2E, di = delta[st];
			vec4 q[HD4], g[HD4];
			float s[R], dp[R];
			[[unroll]] for (uint r = 0; r < R; r++) {
				s[r] = 0.0;
				dp[r] = 0.0;
			}
			[[unroll]] for (uint e = 0; e < HD4; e++) {
				q[e] = qkv(qa + e);
				g[e] = dout(ga + e);
				[[unroll]] for (uint r = 0; r < R; r++) {
					s[r] += dot(k[r][e], q[e]);
					dp[r] += dot(v[r][e], g[e]);
				}
			}
			[[unroll]] for (uint r = 0; r < R; r++) {
				const float pr = exp2(s[r] - lse2);
				const float ds = pr * (dp[r] - di);
				[[unroll]] for (uint e = 0; e < HD4; e++) {
					dv[r][e] += pr * g[e];
					dk[r][e] += ds * q[e];
				}
			}
		}
		const float scale = p.qscale * LN2; // 1/√HD
		[[unroll]] for (uint r = 0; r < R; r++) {
			const uint t = first + r * gl_WorkGroupSize.x;
			if (t < p.L) {
				const uint ka = qkvAt(b, t, 1u, h), va = qkvAt(b, t, 2u, h);
				[[unroll]] for (uint e = 0; e < HD4; e++) {
					dqkv[ka + e] = dk[r][e] * scale;
					dqkv[va + e] = dv[r][e];
				}
			}
		}
	}
}
