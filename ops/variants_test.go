package ops

import (
	"testing"

	"github.com/mae-vk/mae-vk/shaders"
)

// variantsAsked lists every shader variant the ops can ask for, built with
// the same name functions the ops call.
func variantsAsked() []string {
	names := []string{
		"adamw", "adamw_step", "adamw_count", "compose", "gradnorm_partial", "gradnorm_final",
		"attention_unfused_split", "attention_unfused_softmax", "attention_unfused_merge",
		"gather", "unshuffle",
		"unshuffle_backward_partial", "unshuffle_backward_mask", "unshuffle_backward_dx",
		"gelu_erf", "gemm_tiled", "gemm_generic",
		"loss_masksum", "loss_rows", "loss_final", "patch", "reduce_sum_scale", "tokens",
		"softce_rows", "softce_final", "droppath_fwd", "droppath_bwd", "meanpool_fwd", "meanpool_bwd",
	}
	for _, vec := range []bool{false, true} {
		for _, base := range []string{"elementwise_add", "elementwise_scale",
			"elementwise_bcast_add", "elementwise_copy_rows", "gelu_fwd", "gelu_bwd",
			"layernorm_bwd_params", "reduce_sum", "reduce_cols"} {
			names = append(names, vec4Name(base, vec))
		}
		for _, sg := range []bool{false, true} {
			names = append(names, lnName("layernorm_fwd", sg, vec), lnName("layernorm_bwd", sg, vec))
		}
		for _, p := range []Precision{FP16, BF16} {
			names = append(names, reduceColsName(vec, p))
		}
		for _, form := range []string{"nn", "nt", "tn"} {
			names = append(names, gemmRegName(form, vec, false), gemmRegName(form, vec, true))
		}
	}
	for _, sh := range coopMatShapes {
		for _, kind := range []string{"khr", "nv", "emu", "emu32"} {
			names = append(names, coopMatName(sh, kind))
			if kind != "emu32" {
				name, _ := coopMatVariant(CoopMatPlan{Variant: coopMatName(sh, kind), halfInputs: true}, GemmSpec{CType: FP16})
				names = append(names, name)
			}
		}
		for _, kind := range []string{"khr", "emu"} { // bf16: no NV or float32 form
			plan := CoopMatPlan{Variant: coopMatBF16Name(sh, kind), halfInputs: true, bf16: true}
			name, _ := coopMatVariant(plan, GemmSpec{CType: BF16})
			names = append(names, plan.Variant, name)
		}
	}
	names = append(names, halfVariantsAsked()...)
	for pass := range attnPassNames {
		p := attnPass(pass)
		names = append(names, attnName(p, "gpu", false), attnName(p, "cpu", false), attnName(p, "cpu", true))
		for _, sh := range coopMatShapes {
			for _, kind := range shaders.CoopMatKinds {
				names = append(names, attnCoopMatName(p, sh, kind))
			}
			for _, kind := range []string{"khr", "emu"} { // bf16: no NV or float32 form
				plan := AttnCoopMatPlan{M: sh[0], N: sh[1], K: sh[2], Kind: kind, bf16: true}
				names = append(names, plan.variant(p))
			}
		}
	}
	return names
}

// TestVariantsAsked checks that every variant the ops ask for is in the
// shaders table, and that every variant of the table is asked for or says
// why it is kept (Spare).
func TestVariantsAsked(t *testing.T) {
	asked := map[string]bool{}
	for _, name := range variantsAsked() {
		asked[name] = true
		if _, err := shaders.Lookup(name); err != nil {
			t.Error(err)
		}
	}
	for _, v := range shaders.Variants {
		if !asked[v.Name] && v.Spare == "" {
			t.Errorf("variant %s: no op asks for it and its Spare field does not say why it is kept", v.Name)
		}
		if asked[v.Name] && v.Spare != "" {
			t.Errorf("variant %s is asked for by the ops but marked Spare (%s)", v.Name, v.Spare)
		}
	}
}
