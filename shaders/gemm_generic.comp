#version 450
// gemm_generic: any M, N, K, either transpose, any strides, scalar loads.
// Register tiles like gemm_reg; the fallback when a shape does not suit a
// vectorised variant. GEMM_A16 / GEMM_B16 (with a format from
// storage.glsl) read A / B as 16-bit words; C stays fp32.
#include "common.glsl"
#include "gemm_common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TM = 4;
layout(constant_id = 2) const uint TN = 4;

#include "gemm_scalar_ab.glsl"

void main() {
	uint tilesN = (p.N + TN - 1) / TN;
	uint tilesM = (p.M + TM - 1) / TM;
	uint tile = folded_group_x() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
	if (tile >= tilesM * tilesN) {
		return;
	}
	uint row0 = (tile / tilesN) * TM;
	uint col0 = (tile % tilesN) * TN;
	uint batch = gl_WorkGroupID.z;
	uint aBase = batch * p.strideA;
	uint bBase = batch * p.strideB;
	bool transA = (p.flags & GEMM_TRANS_A) != 0u;
	bool transB = (p.flags & GEMM_TRANS_B) != 0u;
	// Element (i, k) of op(A) is at aBase + i*aRow + k*aCol.
	uint aRow = transA ? 1u : p.K;
	uint aCol = transA ? p.M : 1u;
	uint bRow = transB ? 1u : p.N; // step in k
	uint bCol = transB ? p.K : 1u; // step in j

	float acc[TM][TN];
	for (uint m = 0; m < TM; m++) {
		for (uint n = 0; n < TN; n++) {
			acc[m][n] = 0.0;
		}
	}
	for (uint k = 0; k < p.K; k++) {
		float a[TM];
		for (uint m = 0; m < TM; m++) {
			a[m] = LOAD_A(aBase + min(row0 + m, p.M - 1) * aRow + k * aCol);
		}
		for (uint n = 0; n < TN; n++) {
			float b = LOAD_B(bBase + k * bRow + min(col0 + n, p.N - 1) * bCol);
			for (uint m = 0; m < TM; m++) {
				acc[m][n] = fma(a[m], b, acc[m][n]);
			}
		}
	}
	for (uint m = 0; m < TM; m++) {
		uint i = row0 + m;
		if (i >= p.M) {
			break;
		}
		for (uint n = 0; n < TN; n++) {
			uint j = col0 + n;
			if (j < p.N) {
				gemm_store(batch, i, j, acc[m][n]);
			}
		}
	}
}
