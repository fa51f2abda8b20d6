package ops

// halfVariantsAsked lists the 16-bit variants the ops can ask for, built
// with the name functions they call (see variantsAsked).
func halfVariantsAsked() []string {
	var names []string
	for _, p := range []Precision{FP16, BF16} {
		names = append(names, castName(p, true), castName(p, false))
		for _, ops := range []string{"a16", "b16", "a16b16", "a16b16c16"} {
			suffix := halfSuffix(ops, p)
			names = append(names, "gemm_tiled"+suffix, "gemm_generic"+suffix)
			for _, form := range []string{"nn", "nt", "tn"} {
				for _, tile := range []bool{false, true} {
					names = append(names, gemmRegName(form, false, tile)+suffix)
				}
			}
		}
		for _, vec := range []bool{false, true} {
			for _, sg := range []bool{false, true} {
				names = append(names, lnName("layernorm_fwd", sg, vec)+halfSuffix("y16", p))
			}
			names = append(names,
				vec4Name("gelu_fwd", vec)+geluHalfSuffix("Gelu", FP32, p),
				vec4Name("gelu_fwd", vec)+geluHalfSuffix("Gelu", p, p),
				vec4Name("gelu_bwd", vec)+halfSuffix("x16", p))
		}
		for _, pass := range []attnPass{attnForward, attnDQ, attnDKV} {
			for _, family := range []string{"cpu", "gpu"} {
				names = append(names, attnName(pass, family, false)+halfSuffix(attnHalfOperands(pass), p))
			}
		}
	}
	for _, vec := range []bool{false, true} {
		names = append(names, vec4Name("elementwise_scale_by", vec))
	}
	return names
}
