package shaders

import "fmt"

// CoopMatAttentionShapes are the fragment shapes (M, N, K) the
// cooperative-matrix attention kernels are compiled for, the shapes of
// gemm_coopmat.
var CoopMatAttentionShapes = [][3]int{{16, 16, 16}, {16, 8, 16}, {8, 16, 16}}

// CoopMatKinds are the builds of a cooperative-matrix source: the KHR
// module derived from the NV one, the NV module, and the plain-code
// emulation with 16-bit and with float32 inputs.
var CoopMatKinds = []string{"khr", "nv", "emu", "emu32"}

// coopMatAttentionVariants are the cooperative-matrix attention kernels,
// attention_coopmat_<pass>_<M>x<N>x<K>_<kind>, one per pass (fwd, bwd_dq,
// bwd_dkv), fragment shape and kind; they read the push block and the
// bindings of the float32 attention passes, with 16-bit inputs.
func coopMatAttentionVariants() []Variant {
	passes := []struct {
		name     string
		bindings []Binding
	}{
		{"fwd", []Binding{In, Out, Out}},
		{"bwd_dq", []Binding{In, In, In, In, Out, Out}},
		{"bwd_dkv", []Binding{In, In, In, In, Out}},
	}
	var out []Variant
	for _, pass := range passes {
		for _, sh := range CoopMatAttentionShapes {
			for _, kind := range CoopMatKinds {
				defs := []string{fmt.Sprintf("MS=%du", sh[0]), fmt.Sprintf("NS=%du", sh[1]), fmt.Sprintf("KS=%du", sh[2])}
				switch kind {
				case "emu":
					defs = append(defs, "COOPMAT_EMULATE")
				case "emu32":
					defs = append(defs, "COOPMAT_EMULATE", "COOPMAT_F32_INPUT")
				}
				out = append(out, Variant{
					Name:       fmt.Sprintf("attention_coopmat_%s_%dx%dx%d_%s", pass.name, sh[0], sh[1], sh[2], kind),
					Source:     "attention_coopmat_" + pass.name + ".comp",
					Defines:    defs,
					Push:       AttentionPush{},
					Bindings:   pass.bindings,
					CoopMatKHR: kind == "khr",
				})
			}
		}
	}
	return out
}
