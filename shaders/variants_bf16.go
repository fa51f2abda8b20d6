package shaders

import "strings"

// coopMatBF16Variants are the bfloat16 cooperative-matrix GEMMs, two per
// fp16 gemm_coopmat entry of variants32 that has a bf16 form:
//
//   - <name>_khr_bf16 (C float32) and <name>_khr_c16_bf16 (C bf16): the
//     fp16 KHR module with its 16-bit type retyped to bfloat16
//     (CoopMatBF16; shaderbuild's fp16ToBF16), since no glslc here
//     compiles GL_EXT_bfloat16;
//   - <name>_emu_bf16 and <name>_emu_c16_bf16: the emulation reading A and
//     B as bfloat16 bits (COOPMAT_BF16_INPUT), which tests the wiring on
//     devices without cooperative matrices.
//
// VK_NV_cooperative_matrix has no bfloat16 component type, and the
// float32 emulation (emu32) takes any precision as float32: neither has a
// bf16 form.
func coopMatBF16Variants() []Variant {
	var out []Variant
	for _, v := range variants32 {
		if v.Source != "gemm_coopmat.comp" {
			continue
		}
		defs, ok := bf16Defines(v)
		if !ok {
			continue
		}
		c16 := append(append([]string{}, defs...), "GEMM_C16", halfDefine("bf16"))
		out = append(out,
			Variant{Name: v.Name + "_bf16", Source: v.Source, Defines: defs, Push: v.Push, Bindings: v.Bindings,
				CoopMatKHR: v.CoopMatKHR, CoopMatBF16: v.CoopMatKHR},
			Variant{Name: v.Name + "_c16_bf16", Source: v.Source, Defines: c16, Push: v.Push, Bindings: v.Bindings,
				CoopMatKHR: v.CoopMatKHR, CoopMatBF16: v.CoopMatKHR})
	}
	return out
}

// coopMatAttentionBF16Variants are the bfloat16 cooperative-matrix
// attention kernels, one per fp16 attention_coopmat entry of kind khr or
// emu: <name>_bf16, the KHR module retyped to bfloat16 (CoopMatBF16), and
// the emulation reading qkv and O as bfloat16 bits and writing O as
// bfloat16 (COOPMAT_BF16_INPUT). As for the GEMM, NV and emu32 have no
// bf16 form.
func coopMatAttentionBF16Variants() []Variant {
	var out []Variant
	for _, v := range coopMatAttentionVariants() {
		defs, ok := bf16Defines(v)
		if !ok {
			continue
		}
		out = append(out, Variant{Name: v.Name + "_bf16", Source: v.Source, Defines: defs,
			Push: v.Push, Bindings: v.Bindings, CoopMatKHR: v.CoopMatKHR, CoopMatBF16: v.CoopMatKHR})
	}
	return out
}

// bf16Defines are the defines of fp16 cooperative-matrix variant v's
// bfloat16 form: a KHR module's own (tools/shaderbuild retypes it), the
// emulation's plus COOPMAT_BF16_INPUT; ok is false for the kinds without
// one (NV has no bf16; emu32 has no 16-bit storage).
func bf16Defines(v Variant) (defs []string, ok bool) {
	defs = append([]string{}, v.Defines...)
	switch {
	case strings.HasSuffix(v.Name, "_khr"):
		return defs, true
	case strings.HasSuffix(v.Name, "_emu"):
		return append(defs, "COOPMAT_BF16_INPUT"), true
	}
	return nil, false
}
