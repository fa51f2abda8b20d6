#version 450
// gemm_tiled: the GPU-shaped GEMM. A workgroup of LX×LY invocations owns a
// BM×BN block of C (BM = LY·TM, BN = LX·TN) and steps through K in slices
// of BK, staging the A and B slices in shared memory, where every
// invocation reads them TN and TM times. Any shape, either transpose; the
// global loads follow the contiguous dimension so that neighbouring
// invocations read neighbouring addresses. GEMM_A16 / GEMM_B16 (with a
// format from storage.glsl) read A / B as 16-bit words; C stays fp32.
#include "common.glsl"
#include "gemm_common.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;
layout(constant_id = 2) const uint TM = 4;
layout(constant_id = 3) const uint TN = 4;
layout(constant_id = 4) const uint BK = 16;

const uint LX = gl_WorkGroupSize.x;
const uint LY = gl_WorkGroupSize.y;
const uint BM = LY * TM;
const uint BN = LX * TN;

#include "gemm_scalar_ab.glsl"

shared float As[BK * BM];
shared float Bs[BK * BN];

void main() {
	uint tx = gl_LocalInvocationID.x;
	uint ty = gl_LocalInvocationID.y;
	uint tid = ty * LX + tx;
	// Blocks of C in one row-major run over x, folded into y if long.
	uint blocksN = (p.N + BN - 1) / BN;
	uint block = folded_group_x();
	uint row0 = (block / blocksN) * BM;
	uint col0 = (block % blocksN) * BN;
	if (row0 >= p.M) {
		return; // past the last block: the whole workgroup leaves
	}
	uint batch = gl_WorkGroupID.z;
	uint aBase = batch * p.strideA;
	uint bBase = batch * p.strideB;
	bool transA = (p.flags & GEMM_TRANS_A) != 0u;
	bool transB = (p.flags & GEMM_TRANS_B) != 0u;

	float acc[TM][TN];
	for (uint m = 0; m < TM; m++) {
		for (uint n = 0; n < TN; n++) {
			acc[m][n] = 0.0;
		}
	}
	for (uint k0 = 0; k0 < p.K; k0 += BK) {
		// Stage A[row0:row0+BM, k0:k0+BK] as As[kk*BM + m], zero outside.
		for (uint idx = tid; idx < BK * BM; idx += LX * LY) {
			uint m, kk;
			if (transA) { // A stored K×M: walk m fastest
				m = idx % BM;
				kk = idx / BM;
			} else { // A stored M×K: walk k fastest
				kk = idx % BK;
				m = idx / BK;
			}
			uint i = row0 + m, k = k0 + kk;
			float v = 0.0;
			if (i < p.M && k < p.K) {
				v = transA ? LOAD_A(aBase + k * p.M + i) : LOAD_A(aBase + i * p.K + k);
			}
			As[kk * BM + m] = v;
		}
		// Stage B[k0:k0+BK, col0:col0+BN] as Bs[kk*BN + n].
		for (uint idx = tid; idx < BK * BN; idx += LX * LY) {
			uint n, kk;
			if (transB) { // B stored N×K: walk k fastest
				kk = idx % BK;
				n = idx / BK;
			} else { // B stored K×N: walk n fastest
				n = idx % BN;
				kk = idx / BN;
			}
			uint j = col0 + n, k = k0 + kk;
			float v = 0.0;
			if (j < p.N && k < p.K) {
				v = transB ? LOAD_B(bBase + j * p.K + k) : LOAD_B(bBase + k * p.N + j);
			}
			Bs[kk * BN + n] = v;
		}
		barrier();
		for (uint kk = 0; kk < BK; kk++) {
			float a[TM];
			float b[TN];
			for (uint m = 0; m < TM; m++) {
				a[m] = As[kk * BM + ty + m * LY];
			}
			for (uint n = 0; n < TN; n++) {
				b[n] = Bs[kk * BN + tx + n * LX];
			}
			for (uint m = 0; m < TM; m++) {
				for (uint n = 0; n < TN; n++) {
					acc[m][n] = fma(a[m], b[n], acc[m][n]);
				}
			}
		}
		barrier();
	}
	for (uint m = 0; m < TM; m++) {
		uint i = row0 + ty + m * LY;
		if (i >= p.M) {
			break;
		}
		for (uint n = 0; n < TN; n++) {
			uint j = col0 + tx + n * LX;
			if (j < p.N) {
				gemm_store(batch, i, j, acc[m][n]);
			}
		}
	}
}
