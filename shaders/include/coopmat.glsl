// coopmat.glsl: the cooperative-matrix vocabulary of the coopmat kernels,
// for fragments of MS×KS (A), KS×NS (B) and MS×NS (accumulator) defined
// by the including variant:
//
//   MAT_A, MAT_B, MAT_ACC           fragment types
//   COOP_FILL(c, v)                 c = v everywhere
//   COOP_LOAD_A(m, arr, off, ld)    m = arr[off + i*ld + k], row-major
//   COOP_LOAD_B(m, arr, off, ld)    m = arr[off + k*ld + j], row-major
//   COOP_MULADD(c, a, b)            c = a*b + c
//   COOP_STORE(c, arr, off, ld)     arr[off + i*ld + j] = c
//
// Without COOPMAT_EMULATE they are GL_NV_cooperative_matrix (the KHR module
// is derived from the SPIR-V by tools/shaderbuild). With it, the same
// shapes run as plain code on any device: a "subgroup" is COOP_LANES
// consecutive invocations; every lane holds the whole A and B fragments
// (read from shared memory) and lane l owns accumulator elements
// l, l+COOP_LANES, ... in row-major order. No subgroup operation is needed,
// so the emulation does not depend on the device's subgroup size.
#ifndef MAEVK_COOPMAT_GLSL
#define MAEVK_COOPMAT_GLSL

#ifndef COOPMAT_EMULATE

#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_shader_subgroup_basic : require

#define MAT_A fcoopmatNV<16, 3 /* gl_ScopeSubgroup */, MS, KS>
#define MAT_B fcoopmatNV<16, 3 /* gl_ScopeSubgroup */, KS, NS>
#define MAT_ACC fcoopmatNV<32, 3 /* gl_ScopeSubgroup */, MS, NS>
#define COOP_FILL(c, v) c = MAT_ACC(v)
#define COOP_LOAD_A(m, arr, off, ld) coopMatLoadNV(m, arr, off, ld, false)
#define COOP_LOAD_B(m, arr, off, ld) coopMatLoadNV(m, arr, off, ld, false)
#define COOP_MULADD(c, a, b) c = coopMatMulAddNV(a, b, c)
#define COOP_STORE(c, arr, off, ld) coopMatStoreNV(c, arr, off, ld, false)
#define COOP_SUBGROUP gl_SubgroupID

#else

#define COOP_LANES 32u
#define COOP_SLOTS ((MS * NS + COOP_LANES - 1u) / COOP_LANES)
#define COOP_LANE (gl_LocalInvocationIndex % COOP_LANES)
#define COOP_SUBGROUP (gl_LocalInvocationIndex / COOP_LANES)
#define MAT_A float[MS * KS]
#define MAT_B float[KS * NS]
#define MAT_ACC float[COOP_SLOTS]
#define COOP_FILL(c, v) \
	for (uint s_ = 0u; s_ < COOP_SLOTS; s_++) { c[s_] = (v); }
#define COOP_LOAD_A(m, arr, off, ld) \
	for (uint e_ = 0u; e_ < MS * KS; e_++) { m[e_] = float(arr[(off) + (e_ / KS) * (ld) + e_ % KS]); }
#define COOP_LOAD_B(m, arr, off, ld) \
	for (uint e_ = 0u; e_ < KS * NS; e_++) { m[e_] = float(arr[(off) + (e_ / NS) * (ld) + e_ % NS]); }
#define COOP_MULADD(c, a, b) \
	for (uint s_ = 0u; s_ < COOP_SLOTS; s_++) { \
		uint e_ = COOP_LANE + s_ * COOP_LANES; \
		if (e_ < MS * NS) { \
			uint i_ = e_ / NS, j_ = e_ % NS; \
			float d_ = c[s_]; \
			for (uint k_ = 0u; k_ < KS; k_++) { d_ = fma(a[i_ * KS + k_], b[k_ * NS + j_], d_); } \
			c[s_] = d_; \
		} \
	}
#define COOP_STORE(c, arr, off, ld) \
	for (uint s_ = 0u; s_ < COOP_SLOTS; s_++) { \
		uint e_ = COOP_LANE + s_ * COOP_LANES; \
		if (e_ < MS * NS) { arr[(off) + (e_ / NS) * (ld) + e_ % NS] = c[s_]; } \
	}

#endif

#endif
