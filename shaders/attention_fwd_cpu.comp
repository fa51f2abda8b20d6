#version 450
// attention_fwd_cpu: fused multi-head self-attention forward, shaped for the
// CPU drivers. Each invocation owns R query rows of one (sample, head) and
// keeps their q and output accumulators in registers; it streams K and V with
// vec4 loads, each load serving all R rows, and runs an online softmax over
// blocks of KB keys (one rescale of the accumulators per block). No shared
// memory, no barriers: the workgroup is best one subgroup. ATTN_TEXEL reads
// qkv through a texel buffer.
//
//   s_ij  = q_i·k_j / √HD
//   lse_i = ln Σ_j exp(s_ij)
//   o_i   = Σ_j exp(s_ij − lse_i) v_j
//
// Grid: x = ⌈L / (WG·R)⌉, y = H, z = min(B, 65535). Row r of lane x of group
// g is query g·WG·R + r·WG + x.
#include "common.glsl"
#include "attention.glsl"

MAEVK_LOCAL_SIZE_X
layout(constant_id = 2) const uint R = 4;  // query rows per invocation
layout(constant_id = 3) const uint KB = 8; // keys per online-softmax block

ATTN_QKV(0)
ATTN_O_OUT(1)
layout(std430, set = 0, binding = 2) writeonly buffer Lse { float lse[]; };

void main() {
	const uint h = gl_WorkGroupID.y;
	const uint first = gl_WorkGroupID.x * gl_WorkGroupSize.x * R + gl_LocalInvocationID.x;
	FOR_EACH_SAMPLE(b) {
		vec4 q[R][HD4];
		vec4 acc[R][HD4];
		float m[R], l[R];
		[[unroll]] for (uint r = 0; r < R; r++) {
			// Rows past L compute on row L−1 and are not written.
			const uint qa = qkvAt(b, min(first + r * gl_WorkGroupSize.x, p.L - 1u), 0u, h);
			[[unroll]] for (uint e = 0; e < HD4; e++) {
				q[r][e] = qkv(qa + e) * p.qscale;
				acc[r][e] = vec4(0.0);
			}
			m[r] = NEG_BIG;
			l[r] = 0.0;
		}
		for (uint j0 = 0; j0 < p.L; j0 += KB) {
			float s[R][KB];
			[[unroll]] for (uint kk = 0; kk < KB; kk++) {
				const uint ka = qkvAt(b, min(j0 + kk, p.L - 1u), 1u, h);
				[[unroll]] for (uint r = 0; r < R; r++) {
					s[r][kk] = 0.0;
				}
				[[unroll]] for (uint e = 0; e < HD4; e++) {
					const vec4 k = qkv(ka + e);
					[[unroll]] for (uint r = 0; r < R; r++) {
						s[r][kk] += dot(q[r][e], k);
					}
				}
				if (j0 + kk >= p.L) {
					[[unroll]] for (uint r = 0; r < R; r++) {
						s[r][kk] = NEG_BIG;
					}
				}
			}
			[[unroll]] for (uint r = 0; r < R; r++) {
				float mx = m[r];
				[[unroll]] for (uint kk = 0; kk < KB; kk++) {
					mx = max(mx, s[r][kk]);
				}
				const float alpha = exp2(m[r] - mx);
				m[r] = mx;
				float sum = 0.0;
				[[unroll]] for (uint kk = 0; kk < KB; kk++) {
					s[r][kk] = exp2(s[r][kk] - mx);
					sum += s[r][kk];
				}
				l[r] = l[r] * alpha + sum;
				[[unroll]] for (uint e = 0; e < HD4; e++) {
					acc[r][e] *= alpha;
				}
			}
			[[unroll]] for (uint kk = 0; kk < KB; kk++) {
				const uint va = qkvAt(b, min(j0 + kk, p.L - 1u), 2u, h);
				[[unroll]] for (uint e = 0; e < HD4; e++) {
					const vec4 v = qkv(va + e);
					[[unroll]] for (uint r = 0; r < R; r++) {
						acc[r][e] += s[r][kk] * v;
					}
				}
			}
		}
		[[unroll]] for (uint r = 0; r < R; r++) {
			const uint t = first + r * gl_WorkGroupSize.x;
			if (t < p.L) {
				const uint oa = rowAt(b, t, h);
				const float inv = 1.0 / l[r];
				[[unroll]] for (uint e = 0; e < HD4; e++) {
					storeO(oa + e, acc[r][e] * inv);
				}
				lse[statAt(b, h, t)] = (m[r] + log2(l[r])) * LN2;
			}
		}
	}
}
