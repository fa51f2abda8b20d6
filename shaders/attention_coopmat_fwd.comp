#version 450
// attention_coopmat_fwd: fused multi-head self-attention forward with
// cooperative matrices (tensor cores): 16-bit q, k, v, float32
// accumulation, O stored in 16 bits and lse in float32 (the layouts of
// attention_fwd_gpu). A workgroup of WQ subgroups owns BR = WQ·MS query
// rows of one (sample, head), staged in shared memory; it streams the keys
// and values in tiles of BT = KS rows. Per tile, each subgroup computes
// its MS×BT scores S = Q·Kᵀ (fragments MS×KS · KS×NS, K read transposed
// out of the row-major tile), the workgroup runs the online softmax on
// them in float32 (one invocation per row) and writes P = exp(S − m) in
// 16 bits, and each subgroup adds P·V into its rows of the float32
// accumulator O, kept in shared memory and rescaled once per tile.
//
//   s_ij  = q_i·k_j / √HD
//   lse_i = ln Σ_j exp(s_ij)
//   o_i   = Σ_j exp(s_ij − lse_i) v_j
//
// Defines: MS, NS, KS (a device fragment shape), COOPMAT_EMULATE,
// COOPMAT_F32_INPUT, COOPMAT_BF16_INPUT
// (include/attention_coopmat.glsl). Grid: x = ⌈L / BR⌉,
// y = H, z = min(B, 65535). Needs KS | HD and NS | HD.
#include "attention_coopmat.glsl"

layout(std430, set = 0, binding = 0) readonly buffer QKV { IO_ELEM qkv[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { IO_ELEM o[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Lse { float lse[]; };

shared ELEM Qs[BR * HD];
shared ELEM Ks[BT * HD];
shared ELEM Vs[BT * HD];
shared float Ss[BR * BT]; // base-2 scores of the tile
shared ELEM Ps[BR * BT];  // exp2(s − m), 16-bit
shared float Os[BR * HD]; // unnormalized output
shared float Ms[BR], Ls[BR], As[BR]; // running max, running sum, this tile's rescale

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
		for (uint x = tid; x < BR * HD; x += THREADS) {
			Os[x] = 0.0;
		}
		for (uint r = tid; r < BR; r += THREADS) {
			Ms[r] = NEG_BIG;
			Ls[r] = 0.0;
		}
		for (uint j0 = 0u; j0 < p.L; j0 += BT) {
			barrier(); // the last tile's Ks, Vs, Ps are read
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
			}
			barrier();
			for (uint r = tid; r < BR; r += THREADS) {
				const float m = Ms[r];
				float mx = m;
				for (uint k = 0u; k < BT; k++) {
					const float s = j0 + k < p.L ? Ss[r * BT + k] * p.qscale : NEG_BIG;
					Ss[r * BT + k] = s;
					mx = max(mx, s);
				}
				const float alpha = exp2(m - mx);
				float l = Ls[r] * alpha;
				for (uint k = 0u; k < BT; k++) {
					const ELEM pk = TO_ELEM(exp2(Ss[r * BT + k] - mx));
					Ps[r * BT + k] = pk;
					l += float(pk); // the sum of what multiplies V
				}
				Ms[r] = mx;
				Ls[r] = l;
				As[r] = alpha;
			}
			barrier();
			for (uint x = tid; x < BR * HD; x += THREADS) {
				Os[x] *= As[x / HD];
			}
			barrier();
			for (uint n0 = 0u; n0 < HD; n0 += NS) {
				COOP_LOAD_ACC(acc, Os, sg * MS * HD + n0, HD);
				COOP_LOAD_A(fa, Ps, sg * MS * BT, BT);
				COOP_LOAD_B(fb, Vs, n0, HD);
				COOP_MULADD(acc, fa, fb);
				COOP_STORE(acc, Os, sg * MS * HD + n0, HD);
			}
		}
		barrier();
		for (uint x = tid; x < BR * HD; x += THREADS) {
			const uint r = x / HD, t = q0 + r;
			if (t < p.L) {
				o[rowElem(b, t, h) + x % HD] = STORE_OUT(Os[x] / Ls[r]);
			}
		}
		for (uint r = tid; r < BR; r += THREADS) {
			const uint t = q0 + r;
			if (t < p.L) {
				lse[statAt(b, h, t)] = (Ms[r] + log2(Ls[r])) * LN2;
			}
		}
		barrier(); // Qs, Os, Ms, Ls are read no more before the next sample
	}
}
