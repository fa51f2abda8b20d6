#version 450
// attention_coopmat_bwd_dkv: second pass of the attention backward with
// cooperative matrices (the split of attention_bwd_dkv_gpu): 16-bit q, k
// and v, float32 dO (rounded to 16 bits when staged), lse, D, accumulation
// and dk, dv. A workgroup of WQ
// subgroups owns BR = WQ·MS key rows of one (sample, head), with their k
// and v staged in shared memory, and streams queries (q, dO, lse, D) in
// tiles of BT = KS rows. Per tile, each subgroup computes its rows of
// Sᵀ = K·Qᵀ and dPᵀ = V·dOᵀ, the workgroup forms Pᵀ and dSᵀ in float32 and
// stores them in 16 bits, and each subgroup adds Pᵀ·dO and dSᵀ·Q into its
// rows of the float32 dv and dk accumulators in shared memory.
// Deterministic: every output element has one owner, no atomics.
//
//   p_ij  = exp(s_ij − lse_i),  s_ij = q_i·k_j / √HD
//   ds_ij = p_ij (dO_i·v_j − D_i)
//   dv_j  = Σ_i p_ij dO_i
//   dk_j  = (1/√HD) Σ_i ds_ij q_i
//
// Grid: x = ⌈L / BR⌉, y = H, z = min(B, 65535). Needs KS | HD and NS | HD.
#include "attention_coopmat.glsl"

layout(std430, set = 0, binding = 0) readonly buffer QKV { IO_ELEM qkv[]; };
layout(std430, set = 0, binding = 1) readonly buffer DOut { float dout[]; };
layout(std430, set = 0, binding = 2) readonly buffer Lse { float lse[]; };
layout(std430, set = 0, binding = 3) readonly buffer Delta { float delta[]; };
layout(std430, set = 0, binding = 4) writeonly buffer DQKV { float dqkv[]; };

shared ELEM Ks[BR * HD];
shared ELEM Vs[BR * HD];
shared ELEM Qs[BT * HD];
shared ELEM Gs[BT * HD]; // dO
shared float STs[BR * BT];
shared float DPTs[BR * BT];
shared ELEM PTs[BR * BT];
shared ELEM DSTs[BR * BT];
shared float DKs[BR * HD];
shared float DVs[BR * HD];
shared float Lse2s[BT], Ds[BT];

void main() {
	const uint tid = gl_LocalInvocationIndex;
	const uint sg = COOP_SUBGROUP;
	const uint h = gl_WorkGroupID.y;
	const uint k0 = gl_WorkGroupID.x * BR;
	MAT_ACC acc;
	MAT_A fa;
	MAT_B fb;
	FOR_EACH_SAMPLE(b) {
		STAGE_ROWS(Ks, BR, k0, qkv, qkvElem(b, t_, 1u, h));
		STAGE_ROWS(Vs, BR, k0, qkv, qkvElem(b, t_, 2u, h));
		for (uint x = tid; x < BR * HD; x += THREADS) {
			DKs[x] = 0.0;
			DVs[x] = 0.0;
		}
		for (uint i0 = 0u; i0 < p.L; i0 += BT) {
			barrier(); // the last tile's Qs, Gs, PTs, DSTs, Lse2s, Ds read
			STAGE_ROWS(Qs, BT, i0, qkv, qkvElem(b, t_, 0u, h));
			STAGE_ROWS_F32(Gs, BT, i0, dout, rowElem(b, t_, h));
			for (uint r = tid; r < BT; r += THREADS) {
				const uint t = i0 + r;
				const bool ok = t < p.L;
				Lse2s[r] = ok ? lse[statAt(b, h, t)] * LOG2E : 0.0;
				Ds[r] = ok ? delta[statAt(b, h, t)] : 0.0;
			}
			barrier();
			for (uint n0 = 0u; n0 < BT; n0 += NS) {
				COOP_FILL(acc, 0.0);
				for (uint e0 = 0u; e0 < HD; e0 += KS) {
					COOP_LOAD_A(fa, Ks, sg * MS * HD + e0, HD);
					COOP_LOAD_BT(fb, Qs, n0 * HD + e0, HD);
					COOP_MULADD(acc, fa, fb);
				}
				COOP_STORE(acc, STs, sg * MS * BT + n0, BT);
				COOP_FILL(acc, 0.0);
				for (uint e0 = 0u; e0 < HD; e0 += KS) {
					COOP_LOAD_A(fa, Vs, sg * MS * HD + e0, HD);
					COOP_LOAD_BT(fb, Gs, n0 * HD + e0, HD);
					COOP_MULADD(acc, fa, fb);
				}
				COOP_STORE(acc, DPTs, sg * MS * BT + n0, BT);
			}
			barrier();
			for (uint x = tid; x < BR * BT; x += THREADS) {
				const uint qi = x % BT;
				float pr = 0.0, ds = 0.0;
				if (i0 + qi < p.L) {
					pr = exp2(STs[x] * p.qscale - Lse2s[qi]);
					ds = pr * (DPTs[x] - Ds[qi]);
				}
				PTs[x] = TO_ELEM(pr);
				DSTs[x] = TO_ELEM(ds);
			}
			barrier();
			for (uint n0 = 0u; n0 < HD; n0 += NS) {
				COOP_LOAD_ACC(acc, DVs, sg * MS * HD + n0, HD);
				COOP_LOAD_A(fa, PTs, sg * MS * BT, BT);
				COOP_LOAD_B(fb, Gs, n0, HD);
				COOP_MULADD(acc, fa, fb);
				COOP_STORE(acc, DVs, sg * MS * HD + n0, HD);
				COOP_LOAD_ACC(acc, DKs, sg * MS * HD + n0, HD);
				COOP_LOAD_A(fa, DSTs, sg * MS * BT, BT);
				COOP_LOAD_B(fb, Qs, n0, HD);
				COOP_MULADD(acc, fa, fb);
				COOP_STORE(acc, DKs, sg * MS * HD + n0, HD);
			}
		}
		barrier();
		const float scale = p.qscale * LN2; // 1/√HD
		for (uint x = tid; x < BR * HD; x += THREADS) {
			const uint t = k0 + x / HD;
			if (t < p.L) {
				dqkv[qkvElem(b, t, 1u, h) + x % HD] = DKs[x] * scale;
				dqkv[qkvElem(b, t, 2u, h) + x % HD] = DVs[x];
			}
		}
		barrier(); // Ks, Vs, DKs, DVs are read no more before the next sample
	}
}
