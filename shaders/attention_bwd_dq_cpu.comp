#version 450
// attention_bwd_dq_cpu: first pass of the attention backward, shaped for the
// CPU drivers. Each invocation owns R query rows of one (sample, head) with
// q, dO and the dq accumulators in registers, and streams K and V with vec4
// loads (each load serving all R rows). It also writes D_i, which the key
// pass (attention_bwd_dkv_*) reads.
//
//   D_i   = dO_i · o_i
//   p_ij  = exp(s_ij − lse_i),  s_ij = q_i·k_j / √HD
//   ds_ij = p_ij (dO_i·v_j − D_i)
//   dq_i  = (1/√HD) Σ_j ds_ij k_j
//
// Grid: x = ⌈L / (WG·R)⌉, y = H, z = min(B, 65535); rows as in
// attention_fwd_cpu.
#include "common.glsl"
#include "attention.glsl"

MAEVK_LOCAL_SIZE_X
layout(constant_id = 2) const uint R = 2; // query rows per invocation

ATTN_QKV(0)
ATTN_O_IN(1)
ATTN_INPUT(2, DOut, dout)
layout(std430, set = 0, binding = 3) readonly buffer Lse { float lse[]; };
layout(std430, set = 0, binding = 4) writeonly buffer DQKV { vec4 dqkv[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Delta { float delta[]; };

void main() {
	const uint h = gl_WorkGroupID.y;
	const uint first = gl_WorkGroupID.x * gl_WorkGroupSize.x * R + gl_LocalInvocationID.x;
	FOR_EACH_SAMPLE(b) {
		vec4 q[R][HD4];
		vec4 g[R][HD4]; // dO
		vec4 acc[R][HD4];
		float lse2[R], dd[R];
		[[unroll]] for (uint r = 0; r < R; r++) {
			const uint t = min(first + r * gl_WorkGroupSize.x, p.L - 1u);
			const uint qa = qkvAt(b, t, 0u, h), ra = rowAt(b, t, h);
			float d = 0.0;
			[[unroll]] for (uint e = 0; e < HD4; e++) {
				q[r][e] = qkv(qa + e) * p.qscale;
				g[r][e] = dout(ra + e);
				d += dot(g[r][e], o(ra + e));
				acc[r][e] = vec4(0.0);
			}
			dd[r] = d;
			lse2[r] = lse[statAt(b, h, t)] * LOG2E;
		}
		for (uint j = 0; j < p.L; j++) {
			const uint ka = qkvAt(b, j, 1u, h), va = qkvAt(b, j, 2u, h);
			vec4 k[HD4];
			float s[R], dp[R];
			[[unroll]] for (uint r = 0; r < R; r++) {
				s[r] = 0.0;
				dp[r] = 0.0;
			}
			[[unroll]] for (uint e = 0; e < HD4; e++) {
				k[e] = qkv(ka + e);
				const vec4 v = qkv(va + e);
				[[unroll]] for (uint r = 0; r < R; r++) {
					s[r] += dot(q[r][e], k[e]);
					dp[r] += dot(g[r][e], v);
				}
			}
			[[unroll]] for (uint r = 0; r < R; r++) {
				const float ds = exp2(s[r] - lse2[r]) * (dp[r] - dd[r]);
				[[unroll]] for (uint e = 0; e < HD4; e++) {
					acc[r][e] += ds * k[e];
				}
			}
		}
		const float scale = p.qscale * LN2; // 1/√HD
		[[unroll]] for (uint r = 0; r < R; r++) {
			const uint t = first + r * gl_WorkGroupSize.x;
			if (t < p.L) {
				const uint da = qkvAt(b, t, 0u, h);
				[[unroll]] for (uint e = 0; e < HD4; e++) {
					dqkv[da + e] = acc[r][e] * scale;
				}
				delta[statAt(b, h, t)] = dd[r];
			}
		}
	}
}
