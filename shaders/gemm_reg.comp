#version 450
// gemm_reg: the CPU-driver-shaped GEMM. No shared memory: each invocation
// owns a TM×TN tile of C in registers and reads A and B as vec4, along the
// dimension that is contiguous in memory, so that every load feeds many
// FMAs (on llvmpipe and SwiftShader each load is a loop over the lanes).
// The workgroup is one subgroup. One module per layout (GEMM_NN, GEMM_NT,
// GEMM_TN) and per load path (storage buffer, or texel buffer with
// GEMM_TEXEL). The contiguous dimensions must be multiples of 4; the Go
// side falls back to gemm_generic otherwise. GEMM_A16 / GEMM_B16 (with a
// format from storage.glsl) read A / B as 16-bit words; C stays fp32.
#include "common.glsl"
#include "gemm_common.glsl"
#include "storage.glsl"

layout(local_size_x_id = 0) in;
#ifdef GEMM_TILE_M
// Tile fixed at compile time: SwiftShader does not unroll loops bounded by
// specialization constants, and keeps such arrays in memory (10x slower).
const uint TM = GEMM_TILE_M;
const uint TN = GEMM_TILE_N;
#else
layout(constant_id = 1) const uint TM = 8;  // rows per invocation (multiple of 4 for GEMM_TN)
layout(constant_id = 2) const uint TN = 16; // columns per invocation, multiple of 4
#endif

#ifdef GEMM_TEXEL
layout(set = 0, binding = 0) uniform samplerBuffer A4;
layout(set = 0, binding = 1) uniform samplerBuffer B4;
#define LOAD_A(i) texelFetch(A4, int(i))
#define LOAD_B(i) texelFetch(B4, int(i))
#else
// 16-bit operands (GEMM_A16, GEMM_B16) are read four words at a time.
#ifdef GEMM_A16
layout(std430, set = 0, binding = 0) readonly buffer ABuf { uvec2 A4[]; };
#define LOAD_A(i) half4_to_vec4(A4[i])
#else
layout(std430, set = 0, binding = 0) readonly buffer ABuf { vec4 A4[]; };
#define LOAD_A(i) A4[i]
#endif
#ifdef GEMM_B16
layout(std430, set = 0, binding = 1) readonly buffer BBuf { uvec2 B4[]; };
#define LOAD_B(i) half4_to_vec4(B4[i])
#else
layout(std430, set = 0, binding = 1) readonly buffer BBuf { vec4 B4[]; };
#define LOAD_B(i) B4[i]
#endif
#endif

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
	uint aBase = batch * p.strideA / 4;
	uint bBase = batch * p.strideB / 4;

#if defined(GEMM_NN)
	// A is M×K (K contiguous), B is K×N (N contiguous).
	uint K4 = p.K / 4;
	uint N4 = p.N / 4;
	vec4 acc[TM][TN / 4];
	for (uint m = 0; m < TM; m++) {
		for (uint q = 0; q < TN / 4; q++) {
			acc[m][q] = vec4(0.0);
		}
	}
	for (uint k4 = 0; k4 < K4; k4++) {
		vec4 a[TM];
		for (uint m = 0; m < TM; m++) {
			a[m] = LOAD_A(aBase + min(row0 + m, p.M - 1) * K4 + k4);
		}
		for (uint kk = 0; kk < 4; kk++) {
			uint krow = bBase + (k4 * 4 + kk) * N4;
			vec4 b[TN / 4];
			for (uint q = 0; q < TN / 4; q++) {
				b[q] = LOAD_B(krow + min(col0 / 4 + q, N4 - 1));
			}
			for (uint m = 0; m < TM; m++) {
				float av = a[m][kk];
				for (uint q = 0; q < TN / 4; q++) {
					acc[m][q] = fma(vec4(av), b[q], acc[m][q]);
				}
			}
		}
	}
	for (uint m = 0; m < TM; m++) {
		uint i = row0 + m;
		if (i >= p.M) {
			break;
		}
		for (uint q = 0; q < TN / 4; q++) {
			for (uint e = 0; e < 4; e++) {
				uint j = col0 + 4 * q + e;
				if (j < p.N) {
					gemm_store(batch, i, j, acc[m][q][e]);
				}
			}
		}
	}
#elif defined(GEMM_NT)
	// A is M×K and B is stored N×K: both K contiguous, a dot product each.
	uint K4 = p.K / 4;
	float acc[TM][TN];
	for (uint m = 0; m < TM; m++) {
		for (uint n = 0; n < TN; n++) {
			acc[m][n] = 0.0;
		}
	}
	for (uint k4 = 0; k4 < K4; k4++) {
		vec4 a[TM];
		for (uint m = 0; m < TM; m++) {
			a[m] = LOAD_A(aBase + min(row0 + m, p.M - 1) * K4 + k4);
		}
		for (uint n = 0; n < TN; n++) {
			vec4 b = LOAD_B(bBase + min(col0 + n, p.N - 1) * K4 + k4);
			for (uint m = 0; m < TM; m++) {
				acc[m][n] += dot(a[m], b);
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
#elif defined(GEMM_TN)
	// A is stored K×M (M contiguous), B is K×N (N contiguous): outer products.
	uint M4 = p.M / 4;
	uint N4 = p.N / 4;
	vec4 acc[TM][TN / 4];
	for (uint m = 0; m < TM; m++) {
		for (uint q = 0; q < TN / 4; q++) {
			acc[m][q] = vec4(0.0);
		}
	}
	for (uint k = 0; k < p.K; k++) {
		vec4 a[TM / 4];
		for (uint r = 0; r < TM / 4; r++) {
			a[r] = LOAD_A(aBase + k * M4 + min(row0 / 4 + r, M4 - 1));
		}
		vec4 b[TN / 4];
		for (uint q = 0; q < TN / 4; q++) {
			b[q] = LOAD_B(bBase + k * N4 + min(col0 / 4 + q, N4 - 1));
		}
		for (uint m = 0; m < TM; m++) {
			float av = a[m / 4][m % 4];
			for (uint q = 0; q < TN / 4; q++) {
				acc[m][q] = fma(vec4(av), b[q], acc[m][q]);
			}
		}
	}
	for (uint m = 0; m < TM; m++) {
		uint i = row0 + m;
		if (i >= p.M) {
			break;
		}
		for (uint q = 0; q < TN / 4; q++) {
			for (uint e = 0; e < 4; e++) {
				uint j = col0 + 4 * q + e;
				if (j < p.N) {
					gemm_store(batch, i, j, acc[m][q][e]);
				}
			}
		}
	}
#else
#error "define one of GEMM_NN, GEMM_NT, GEMM_TN"
#endif
}
