package shaders

import (
	"slices"
	"strings"
)

// HalfFormats are the 16-bit storage formats of include/storage.glsl, by
// the suffix their variants carry: "fp16" (IEEE binary16) and "bf16".
var HalfFormats = []string{"fp16", "bf16"}

// halfDefine is the storage.glsl define of a format suffix.
func halfDefine(format string) string {
	if format == "bf16" {
		return "HALF_BF16"
	}
	return "HALF_FP16"
}

// halfVariants are the 16-bit counterparts of fp32 variants, one per
// format: <name>_<operands>_<format>, e.g. gemm_reg_nt_8x16_a16b16_bf16.
// They compile the same source with the fp32 variant's defines plus the
// format and the switches that make some operands 16-bit.
func halfVariants() []Variant {
	type form struct {
		base     Variant
		suffix   string
		switches []string
	}
	var forms []form
	gemmOperands := []struct {
		suffix   string
		switches []string
	}{
		{"a16", []string{"GEMM_A16"}},
		{"b16", []string{"GEMM_B16"}},
		{"a16b16", []string{"GEMM_A16", "GEMM_B16"}},
		{"a16b16c16", []string{"GEMM_A16", "GEMM_B16", "GEMM_C16"}},
	}
	for _, v := range variants32 {
		var sw string
		switch {
		case v.Source == "gemm_reg.comp" && !has(v.Defines, "GEMM_TEXEL"),
			v.Source == "gemm_generic.comp", v.Source == "gemm_tiled.comp":
			for _, op := range gemmOperands {
				forms = append(forms, form{v, op.suffix, op.switches})
			}
			continue
		case v.Source == "layernorm.comp" && has(v.Defines, "LN_FWD"):
			sw = "LN_Y16"
		case v.Source == "gelu.comp" && has(v.Defines, "GELU_FWD"):
			forms = append(forms, form{v, "x16y16", []string{"GELU_X16", "GELU_Y16"}})
			sw = "GELU_Y16"
		case v.Source == "gelu.comp" && has(v.Defines, "GELU_BWD"):
			forms = append(forms, form{v, "x16", []string{"GELU_X16"}})
			continue
		case strings.HasPrefix(v.Source, "attention_") && v.Source != "attention_unfused.comp" && !has(v.Defines, "ATTN_TEXEL"):
			// 16-bit qkv, and O where the pass touches it; storage loads
			// only (the texel buffers are RGBA32F).
			if strings.HasPrefix(v.Name, "attention_bwd_dkv") {
				forms = append(forms, form{v, "qkv16", []string{"ATTN_QKV16"}})
			} else {
				forms = append(forms, form{v, "qkv16o16", []string{"ATTN_QKV16", "ATTN_O16"}})
			}
			continue
		default:
			continue
		}
		forms = append(forms, form{v, "y16", []string{sw}})
	}
	var out []Variant
	for _, v := range variants32 {
		// The cooperative-matrix GEMM's A and B are binary16 already; its
		// 16-bit C (the model's fc1 output) is fp16 only, like its inputs.
		if v.Source == "gemm_coopmat.comp" && !has(v.Defines, "COOPMAT_F32_INPUT") {
			defs := append(append([]string{}, v.Defines...), "GEMM_C16", halfDefine("fp16"))
			out = append(out, Variant{Name: v.Name + "_c16_fp16", Source: v.Source, Defines: defs,
				Push: v.Push, Bindings: v.Bindings, CoopMatKHR: v.CoopMatKHR})
		}
	}
	out = append(out, coopMatBF16Variants()...)
	for _, f := range HalfFormats {
		out = append(out,
			Variant{Name: "cast_to_" + f, Source: "cast.comp", Defines: []string{"CAST_TO_HALF", halfDefine(f)}, Push: CastPush{}, Bindings: []Binding{In, Out}},
			Variant{Name: "cast_from_" + f, Source: "cast.comp", Defines: []string{"CAST_TO_FLOAT", halfDefine(f)}, Push: CastPush{}, Bindings: []Binding{In, Out}},
			Variant{Name: "reduce_cols_cast_" + f, Source: "reduce_cols.comp", Defines: []string{"REDUCE_CAST", halfDefine(f)}, Push: ReduceColsPush{}, Bindings: []Binding{In, Out, Out}},
			Variant{Name: "reduce_cols_vec4_cast_" + f, Source: "reduce_cols.comp", Defines: []string{"REDUCE_VEC4", "REDUCE_CAST", halfDefine(f)}, Push: ReduceColsPush{}, Bindings: []Binding{In, Out, Out}})
		for _, fm := range forms {
			defs := append(append(append([]string{}, fm.base.Defines...), fm.switches...), halfDefine(f))
			out = append(out, Variant{Name: fm.base.Name + "_" + fm.suffix + "_" + f, Source: fm.base.Source, Defines: defs,
				Push: fm.base.Push, Bindings: fm.base.Bindings, Spare: fm.base.Spare})
		}
	}
	return out
}

func has(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// withHalfVariants is table plus its 16-bit counterparts, sorted by name.
func withHalfVariants(table []Variant) []Variant {
	all := append(append([]Variant(nil), table...), halfVariants()...)
	slices.SortFunc(all, func(a, b Variant) int { return strings.Compare(a.Name, b.Name) })
	return all
}
