// coopmat.glsl: the cooperative-matrix vocabulary of the coopmat kernels,
// for fragments of MS×KS (A), KS×NS (B) and MS×NS (accumulator) defined
// by the including variant:
//
//   MAT_A, MAT_B, MAT_ACC           fragment types
//   COOP_FILL(c, v)                 c = v everywhere
//   COOP_LOAD_A(m, arr, off, ld)    m = arr[off + i*ld + k], row-major
//   COOP_LOAD_B(m, arr, off, ld)    m = arr[off + k*ld + j], row-major
//   COOP_LOAD_BT(m, arr, off, ld)   m = arr[off + j*ld + k], column-major
//                                   (B is the transpose of a row-major tile)
//   COOP_LOAD_ACC(c, arr, off, ld)  c = arr[off + i*ld + j], row-major
//   COOP_MULADD(c, a, b)            c = a*b + c
//   COOP_STORE(c, arr, off, ld)     arr[off + i*ld + j] = c
//
// Without COOPMAT_EMULATE they are GL_NV_cooperative_matrix (the KHR module
// is derived from the SPIR-V by tools/shaderbuild). With it, the same
// shapes run as plain code on any device: a "subgroup" is COOP_LANES
// consecutive invocations; lane l owns accumulator elements l,
// l+COOP_LANES, ... in row-major order and holds the rows of A and the
// columns of B they need (read from shared memory). No subgroup operation is needed,
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
#define COOP_LOAD_BT(m, arr, off, ld) coopMatLoadNV(m, arr, off, ld, true)
#define COOP_LOAD_ACC(c, arr, off, ld) coopMatLoadNV(c, arr, off, ld, false)
#define COOP_MULADD(c, a, b) c = coopMatMulAddNV(a, b, c)
#define COOP_STORE(c, arr, off, ld) coopMatStoreNV(c, arr, off, ld, false)
#define COOP_SUBGROUP gl_SubgroupID

#else

#extension GL_EXT_control_flow_attributes : require

#define COOP_LANES 32u
#define COOP_SLOTS ((MS * NS + COOP_LANES - 1u) / COOP_LANES)
#define COOP_LANE (gl_LocalInvocationIndex % COOP_LANES)
#define COOP_SUBGROUP (gl_LocalInvocationIndex / COOP_LANES)
// Row and column of the accumulator element in slot s_ of this lane
// (clamped inside the fragment for a lane past its end).
#define COOP_ROW(s_) min((COOP_LANE + (s_) * COOP_LANES) / NS, MS - 1u)
#define COOP_COL(s_) ((COOP_LANE + (s_) * COOP_LANES) % NS)
// A lane holds, per slot, the row of A and the column of B that its
// accumulator element needs. Every index is a constant once the loops are
// unrolled, so the fragments stay in registers: dynamically indexed local
// arrays made llvmpipe (Mesa 22.3) return garbage after ~100 iterations
// of a loop around them.
#define MAT_A float[COOP_SLOTS * KS]
#define MAT_B float[COOP_SLOTS * KS]
#define MAT_ACC float[COOP_SLOTS]
#define COOP_FILL(c, v) \
	[[unroll]] for (uint s_ = 0u; s_ < COOP_SLOTS; s_++) { c[s_] = (v); }
#define COOP_LOAD_A(m, arr, off, ld) \
	[[unroll]] for (uint s_ = 0u; s_ < COOP_SLOTS; s_++) { \
		[[unroll]] for (uint k_ = 0u; k_ < KS; k_++) { m[s_ * KS + k_] = float(arr[(off) + COOP_ROW(s_) * (ld) + k_]); } \
	}
#define COOP_LOAD_B(m, arr, off, ld) \
	[[unroll]] for (uint s_ = 0u; s_ < COOP_SLOTS; s_++) { \
		[[unroll]] for (uint k_ = 0u; k_ < KS; k_++) { m[s_ * KS + k_] = float(arr[(off) + k_ * (ld) + COOP_COL(s_)]); } \
	}
#define COOP_LOAD_BT(m, arr, off, ld) \
	[[unroll]] for (uint s_ = 0u; s_ < COOP_SLOTS; s_++) { \
		[[unroll]] for (uint k_ = 0u; k_ < KS; k_++) { m[s_ * KS + k_] = float(arr[(off) + COOP_COL(s_) * (ld) + k_]); } \
	}
#define COOP_LOAD_ACC(c, arr, off, ld) \
	[[unroll]] for (uint s_ = 0u; s_ < COOP_SLOTS; s_++) { \
		if (COOP_LANE + s_ * COOP_LANES < MS * NS) { c[s_] = arr[(off) + COOP_ROW(s_) * (ld) + COOP_COL(s_)]; } \
	}
#define COOP_MULADD(c, a, b) \
	[[unroll]] for (uint s_ = 0u; s_ < COOP_SLOTS; s_++) { \
		float d_ = c[s_]; \
		[[unroll]] for (uint k_ = 0u; k_ < KS; k_++) { d_ = fma(a[s_ * KS + k_], b[s_ * KS + k_], d_); } \
		c[s_] = d_; \
	}
#define COOP_STORE(c, arr, off, ld) \
	[[unroll]] for (uint s_ = 0u; s_ < COOP_SLOTS; s_++) { \
		if (COOP_LANE + s_ * COOP_LANES < MS * NS) { arr[(off) + COOP_ROW(s_) * (ld) + COOP_COL(s_)] = c[s_]; } \
	}

#endif

#endif
