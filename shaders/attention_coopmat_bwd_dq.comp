#version 450
// attention_coopmat_bwd_dq: first pass of the attention backward with
// cooperative matrices (the split of attention_bwd_dq_gpu): 16-bit q, k, v
// and o, float32 dO (rounded to 16 bits for dO·Vᵀ; D = dO·o from the
// float32 dO), float32 accumulation, dq and D written in float32. A workgroup
// of WQ subgroups owns BR = WQ·MS query rows of one (sample, head), with
// their q and dO staged in shared memory, and streams keys and values in
// tiles of BT = KS rows. Per tile, each subgroup computes its rows of
// S = Q·Kᵀ and dP = dO·Vᵀ, the workgroup forms dS in float32 and stores it
// in 16 bits, and each subgroup adds dS·K into its rows of the float32 dq
// accumulator in shared memory.
//
//   D_i   = dO_i · o_i
//   p_ij  = exp(s_ij − lse_i),  s_ij = q_i·k_j / √HD
//   ds_ij = p_ij (dO_i·v_j − D_i)
//   dq_i  = (1/√HD) Σ_j ds_ij k_j
//
// Grid: x = ⌈L / BR⌉, y = H, z = min(B, 65535). Needs KS | HD and NS | HD.
#include "attention_coopmat.glsl"

layout(std430, set = 0, binding = 0) readonly buffer QKV { IO_ELEM qkv[]; };
layout(std430, set = 0, binding = 1) readonly buffer Out { IO_ELEM o[]; };
layout(std430, set = 0, binding = 2) readonly buffer DOut { float dout[]; };
layout(std430, set = 0, binding = 3) readonly buffer Lse { float lse[]; };
layout(std430, set = 0, binding = 4) writeonly buffer DQKV { float dqkv[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Delta { float delta[]; };

shared ELEM Qs[BR * HD];
shared ELEM Gs[BR * HD]; // dO
shared ELEM Ks[BT * HD];
shared ELEM Vs[BT * HD];
shared float Ss[BR * BT];
shared float DPs[BR * BT];
shared ELEM DSs[BR * BT];
shared float DQs[BR * HD];
shared float Lse2s[BR], Ds[BR];

void main() {
	const uint tid = gl_LocalInvocationIndex;
	const uint sg = COOP_SUBGROUP;
	const uint h = gl_WorkGroupID.y;
	const uint q0 = gl_WorkGroupID.x * BR;
	MAT_ACC acc;
	MAT_A fa;
	MAT_B fb;
	FOR_EACH_SAMPLE(b) {
		STAGE_ROWS(Qs, BR, q0, qkv, qkvElem(b, t_, 0u, h));
		STAGE_ROWS_F32(Gs, BR, q0, dout, rowElem(b, t_, h));
		for (uint x = tid; x < BR * HD; x += THREADS) {
			DQs[x] = 0.0;
		}
		barrier();
		for (uint r = tid; r < BR; r += THREADS) {
			const uint t = q0 + r;
			float d = 0.0, l2 = 0.0;
			if (t < p.L) {
				const uint ra = rowElem(b, t, h);
				for (uint e = 0u; e < HD; e++) {
					d += dout[ra + e] * LOAD_IN(o[ra + e]);
				}
				l2 = lse[statAt(b, h, t)] * LOG2E;
				delta[statAt(b, h, t)] = d;
			}
			Ds[r] = d;
			Lse2s[r] = l2;
		}
		for (uint j0 = 0u; j0 < p.L; j0 += BT) {
			barrier(); // Ds, Lse2s written; the last tile's Ks, Vs, DSs read
			STAGE_ROWS(Ks, BT, j0, qkv, qkvElem(b, t_, 1u, h));
			STAGE_ROWS(Vs, BT, j0, qkv, qkvElem(b, t_, 2u, h));
			barrier();
			for (uint n0 = 0u; n0 < BT; n0 += NS) {
				COOP_FILL(acc, 0.0);
				for (uint e0 = 0u; e0 < HD; e0 += KS) {
					COOP_LOAD_A(fa, Qs, sg * MS * HD + e0, HD);
					COOP_LOAD_BT(fb, Ks, n0 * HD + e0, HD);
					COOP_MULADD(acc, fa, fb);
				}
				COOP_STORE(acc, Ss, sg * MS * BT + n0, BT);
				COOP_FILL(acc, 0.0);
				for (uint e0 = 0u; e0 < HD; e0 += KS) {
					COOP_LOAD_A(fa, Gs, sg * MS * HD + e0, HD);
					COOP_LOAD_BT(fb, Vs, n0 * HD + e0, HD);
					COOP_MULADD(acc, fa, fb);
				}
				COOP_STORE(acc, DPs, sg * MS * BT + n0, BT);
			}
			barrier();
			for (uint x = tid; x < BR * BT; x += THREADS) {
				const uint r = x / BT;
				float ds = 0.0;
				if (j0 + x % BT < p.L) {
					ds = exp2(Ss[x] * p.qscale - Lse2s[r]) * (DPs[x] - Ds[r]);
				}
				DSs[x] = TO_ELEM(ds);
			}
			barrier();
			for (uint n0 = 0u; n0 < HD; n0 += NS) {
				COOP_LOAD_ACC(acc, DQs, sg * MS * HD + n0, HD);
				COOP_LOAD_A(fa, DSs, sg * MS * BT, BT);
				COOP_LOAD_B(fb, Ks, n0, HD);
				COOP_MULADD(acc, fa, fb);
				COOP_STORE(acc, DQs, sg * MS * HD + n0, HD);
			}
		}
		barrier();
		const float scale = p.qscale * LN2; // 1/√HD
		for (uint x = tid; x < BR * HD; x += THREADS) {
			const uint t = q0 + x / HD;
			if (t < p.L) {
				dqkv[qkvElem(b, t, 0u, h) + x % HD] = DQs[x] * scale;
			}
		}
		barrier(); // Qs, Gs, DQs, Ds, Lse2s are read no more before the next sample
	}
}
