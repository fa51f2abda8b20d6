package shaders

import "slices"

// Variant is one SPIR-V module: a GLSL source compiled with defines, and
// its contract with the Go side (the push-constant struct and the
// bindings), which TestContract checks against the compiled module.
type Variant struct {
	Name    string   // the module's name: spv/<Name>.spv
	Source  string   // file in this directory
	Defines []string // NAME or NAME=VALUE, passed to glslc as -D
	// Push is a zero value of the Go struct that mirrors the module's
	// push-constant block (push.go), or nil when it has none.
	Push any
	// Bindings are descriptor bindings 0..n-1 of set 0, in order.
	Bindings []Binding
	// CoopMatKHR marks a module derived from a source written against
	// GL_NV_cooperative_matrix: shaderbuild compiles and validates the NV
	// module, then rewrites it to SPV_KHR_cooperative_matrix (doc.go).
	CoopMatKHR bool
	// CoopMatBF16 (with CoopMatKHR) retypes the KHR module's binary16
	// values and matrices to bfloat16 (SPV_KHR_bfloat16): the bf16
	// cooperative-matrix kernels are their fp16 twins' SPIR-V (doc.go).
	CoopMatBF16 bool
	// Spare, when not empty, says why the variant is kept although no op
	// asks for it (TestVariantsAsked in ops fails on an unasked variant
	// without it).
	Spare string
}

// Variants is the table of every SPIR-V module mae-vk embeds, sorted by
// name: the fp32 entries below, their 16-bit counterparts
// (variants_half.go) and the cooperative-matrix attention kernels
// (variants_coopmat.go). go generate compiles each entry. See doc.go for
// adding a variant.
var Variants = withHalfVariants(slices.Concat(variants32, coopMatAttentionVariants(), coopMatAttentionBF16Variants()))

// variants32 are the fp32 variants; keep them sorted by name.
var variants32 = []Variant{
	{Name: "adamw", Source: "adamw.comp", Push: AdamWPush{}, Bindings: []Binding{InOut, In, InOut, InOut, In, In, In}},
	{Name: "adamw_count", Source: "adamw_count.comp", Push: AdamWCountPush{}, Bindings: []Binding{In, InOut}},
	{Name: "adamw_step", Source: "adamw.comp", Defines: []string{"ADAMW_STEP"}, Push: AdamWPush{}, Bindings: []Binding{InOut, In, InOut, InOut, In, In, In, In}},
	{Name: "attention_bwd_dkv_cpu", Source: "attention_bwd_dkv_cpu.comp", Push: AttentionPush{}, Bindings: []Binding{In, In, In, In, Out}},
	{Name: "attention_bwd_dkv_cpu_texel", Source: "attention_bwd_dkv_cpu.comp", Defines: []string{"ATTN_TEXEL"}, Push: AttentionPush{}, Bindings: []Binding{Texel, Texel, In, In, Out}},
	{Name: "attention_bwd_dkv_gpu", Source: "attention_bwd_dkv_gpu.comp", Push: AttentionPush{}, Bindings: []Binding{In, In, In, In, Out}},
	{Name: "attention_bwd_dq_cpu", Source: "attention_bwd_dq_cpu.comp", Push: AttentionPush{}, Bindings: []Binding{In, In, In, In, Out, Out}},
	{Name: "attention_bwd_dq_cpu_texel", Source: "attention_bwd_dq_cpu.comp", Defines: []string{"ATTN_TEXEL"}, Push: AttentionPush{}, Bindings: []Binding{Texel, Texel, Texel, In, Out, Out}},
	{Name: "attention_bwd_dq_gpu", Source: "attention_bwd_dq_gpu.comp", Push: AttentionPush{}, Bindings: []Binding{In, In, In, In, Out, Out}},
	{Name: "attention_fwd_cpu", Source: "attention_fwd_cpu.comp", Push: AttentionPush{}, Bindings: []Binding{In, Out, Out}},
	{Name: "attention_fwd_cpu_texel", Source: "attention_fwd_cpu.comp", Defines: []string{"ATTN_TEXEL"}, Push: AttentionPush{}, Bindings: []Binding{Texel, Out, Out}},
	{Name: "attention_fwd_gpu", Source: "attention_fwd_gpu.comp", Push: AttentionPush{}, Bindings: []Binding{In, Out, Out}},
	{Name: "attention_unfused_merge", Source: "attention_unfused.comp", Defines: []string{"UNFUSED_MERGE"}, Push: AttentionUnfusedPush{}, Bindings: []Binding{In, Out}},
	{Name: "attention_unfused_softmax", Source: "attention_unfused.comp", Defines: []string{"UNFUSED_SOFTMAX"}, Push: AttentionUnfusedPush{}, Bindings: []Binding{InOut}},
	{Name: "attention_unfused_split", Source: "attention_unfused.comp", Defines: []string{"UNFUSED_SPLIT"}, Push: AttentionUnfusedPush{}, Bindings: []Binding{In, Out, Out, Out}},
	{Name: "axpy", Source: "axpy.comp", Push: AxpyPush{}, Bindings: []Binding{In, InOut}, Spare: "the dispatcher's own tests (vk)"},
	{Name: "compose", Source: "compose.comp", Push: ComposePush{}, Bindings: []Binding{In, In, In, Out}},
	{Name: "droppath_bwd", Source: "droppath.comp", Defines: []string{"DROPPATH_BWD"}, Push: DropPathPush{}, Bindings: []Binding{In, In, Out}},
	{Name: "droppath_fwd", Source: "droppath.comp", Defines: []string{"DROPPATH_FWD"}, Push: DropPathPush{}, Bindings: []Binding{In, In, In, Out}},
	{Name: "elementwise_add", Source: "elementwise.comp", Defines: []string{"EW_ADD"}, Push: ElementwisePush{}, Bindings: []Binding{In, In, Out}},
	{Name: "elementwise_add_vec4", Source: "elementwise.comp", Defines: []string{"EW_ADD", "EW_VEC4"}, Push: ElementwisePush{}, Bindings: []Binding{In, In, Out}},
	{Name: "elementwise_bcast_add", Source: "elementwise.comp", Defines: []string{"EW_BCAST_ADD"}, Push: ElementwiseBcastPush{}, Bindings: []Binding{In, In, Out}},
	{Name: "elementwise_bcast_add_vec4", Source: "elementwise.comp", Defines: []string{"EW_BCAST_ADD", "EW_VEC4"}, Push: ElementwiseBcastPush{}, Bindings: []Binding{In, In, Out}},
	{Name: "elementwise_copy_rows", Source: "elementwise.comp", Defines: []string{"EW_COPY_ROWS"}, Push: ElementwiseCopyRowsPush{}, Bindings: []Binding{In, Out}},
	{Name: "elementwise_copy_rows_vec4", Source: "elementwise.comp", Defines: []string{"EW_COPY_ROWS", "EW_VEC4"}, Push: ElementwiseCopyRowsPush{}, Bindings: []Binding{In, Out}},
	{Name: "elementwise_scale", Source: "elementwise.comp", Defines: []string{"EW_SCALE"}, Push: ElementwiseScalePush{}, Bindings: []Binding{In, Out}},
	{Name: "elementwise_scale_by", Source: "elementwise.comp", Defines: []string{"EW_SCALE_BY"}, Push: ElementwiseScaleByPush{}, Bindings: []Binding{In, In, Out}},
	{Name: "elementwise_scale_by_vec4", Source: "elementwise.comp", Defines: []string{"EW_SCALE_BY", "EW_VEC4"}, Push: ElementwiseScaleByPush{}, Bindings: []Binding{In, In, Out}},
	{Name: "elementwise_scale_vec4", Source: "elementwise.comp", Defines: []string{"EW_SCALE", "EW_VEC4"}, Push: ElementwiseScalePush{}, Bindings: []Binding{In, Out}},
	{Name: "gather", Source: "gather.comp", Push: GatherPush{}, Bindings: []Binding{In, In, Out}},
	{Name: "gelu_bwd", Source: "gelu.comp", Defines: []string{"GELU_BWD"}, Push: GeluPush{}, Bindings: []Binding{In, In, Out}},
	{Name: "gelu_bwd_vec4", Source: "gelu.comp", Defines: []string{"GELU_BWD", "GELU_VEC4"}, Push: GeluPush{}, Bindings: []Binding{In, In, Out}},
	{Name: "gelu_erf", Source: "gelu.comp", Defines: []string{"GELU_ERF"}, Push: GeluPush{}, Bindings: []Binding{In, Out}},
	{Name: "gelu_fwd", Source: "gelu.comp", Defines: []string{"GELU_FWD"}, Push: GeluPush{}, Bindings: []Binding{In, Out}},
	{Name: "gelu_fwd_vec4", Source: "gelu.comp", Defines: []string{"GELU_FWD", "GELU_VEC4"}, Push: GeluPush{}, Bindings: []Binding{In, Out}},
	{Name: "gemm_coopmat_16x16x16_emu", Source: "gemm_coopmat.comp", Defines: []string{"MS=16u", "NS=16u", "KS=16u", "COOPMAT_EMULATE"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_coopmat_16x16x16_emu32", Source: "gemm_coopmat.comp", Defines: []string{"MS=16u", "NS=16u", "KS=16u", "COOPMAT_EMULATE", "COOPMAT_F32_INPUT"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_coopmat_16x16x16_khr", Source: "gemm_coopmat.comp", Defines: []string{"MS=16u", "NS=16u", "KS=16u"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}, CoopMatKHR: true},
	{Name: "gemm_coopmat_16x16x16_nv", Source: "gemm_coopmat.comp", Defines: []string{"MS=16u", "NS=16u", "KS=16u"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_coopmat_16x8x16_emu", Source: "gemm_coopmat.comp", Defines: []string{"MS=16u", "NS=8u", "KS=16u", "COOPMAT_EMULATE"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_coopmat_16x8x16_emu32", Source: "gemm_coopmat.comp", Defines: []string{"MS=16u", "NS=8u", "KS=16u", "COOPMAT_EMULATE", "COOPMAT_F32_INPUT"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_coopmat_16x8x16_khr", Source: "gemm_coopmat.comp", Defines: []string{"MS=16u", "NS=8u", "KS=16u"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}, CoopMatKHR: true},
	{Name: "gemm_coopmat_16x8x16_nv", Source: "gemm_coopmat.comp", Defines: []string{"MS=16u", "NS=8u", "KS=16u"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_coopmat_8x16x16_emu", Source: "gemm_coopmat.comp", Defines: []string{"MS=8u", "NS=16u", "KS=16u", "COOPMAT_EMULATE"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_coopmat_8x16x16_emu32", Source: "gemm_coopmat.comp", Defines: []string{"MS=8u", "NS=16u", "KS=16u", "COOPMAT_EMULATE", "COOPMAT_F32_INPUT"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_coopmat_8x16x16_khr", Source: "gemm_coopmat.comp", Defines: []string{"MS=8u", "NS=16u", "KS=16u"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}, CoopMatKHR: true},
	{Name: "gemm_coopmat_8x16x16_nv", Source: "gemm_coopmat.comp", Defines: []string{"MS=8u", "NS=16u", "KS=16u"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_generic", Source: "gemm_generic.comp", Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_reg_nn", Source: "gemm_reg.comp", Defines: []string{"GEMM_NN"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_reg_nn_8x16", Source: "gemm_reg.comp", Defines: []string{"GEMM_NN", "GEMM_TILE_M=8", "GEMM_TILE_N=16"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_reg_nn_texel", Source: "gemm_reg.comp", Defines: []string{"GEMM_NN", "GEMM_TEXEL"}, Push: GemmPush{}, Bindings: []Binding{Texel, Texel, InOut, In, In}},
	{Name: "gemm_reg_nn_texel_8x16", Source: "gemm_reg.comp", Defines: []string{"GEMM_NN", "GEMM_TEXEL", "GEMM_TILE_M=8", "GEMM_TILE_N=16"}, Push: GemmPush{}, Bindings: []Binding{Texel, Texel, InOut, In, In}},
	{Name: "gemm_reg_nt", Source: "gemm_reg.comp", Defines: []string{"GEMM_NT"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_reg_nt_8x16", Source: "gemm_reg.comp", Defines: []string{"GEMM_NT", "GEMM_TILE_M=8", "GEMM_TILE_N=16"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_reg_nt_texel", Source: "gemm_reg.comp", Defines: []string{"GEMM_NT", "GEMM_TEXEL"}, Push: GemmPush{}, Bindings: []Binding{Texel, Texel, InOut, In, In}},
	{Name: "gemm_reg_nt_texel_8x16", Source: "gemm_reg.comp", Defines: []string{"GEMM_NT", "GEMM_TEXEL", "GEMM_TILE_M=8", "GEMM_TILE_N=16"}, Push: GemmPush{}, Bindings: []Binding{Texel, Texel, InOut, In, In}},
	{Name: "gemm_reg_tn", Source: "gemm_reg.comp", Defines: []string{"GEMM_TN"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_reg_tn_8x16", Source: "gemm_reg.comp", Defines: []string{"GEMM_TN", "GEMM_TILE_M=8", "GEMM_TILE_N=16"}, Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gemm_reg_tn_texel", Source: "gemm_reg.comp", Defines: []string{"GEMM_TN", "GEMM_TEXEL"}, Push: GemmPush{}, Bindings: []Binding{Texel, Texel, InOut, In, In}},
	{Name: "gemm_reg_tn_texel_8x16", Source: "gemm_reg.comp", Defines: []string{"GEMM_TN", "GEMM_TEXEL", "GEMM_TILE_M=8", "GEMM_TILE_N=16"}, Push: GemmPush{}, Bindings: []Binding{Texel, Texel, InOut, In, In}},
	{Name: "gemm_tiled", Source: "gemm_tiled.comp", Push: GemmPush{}, Bindings: []Binding{In, In, InOut, In, In}},
	{Name: "gradnorm_final", Source: "gradnorm.comp", Defines: []string{"GRADNORM_FINAL"}, Push: GradNormPush{}, Bindings: []Binding{In, Out}},
	{Name: "gradnorm_partial", Source: "gradnorm.comp", Defines: []string{"GRADNORM_PARTIAL"}, Push: GradNormPush{}, Bindings: []Binding{In, Out}},
	{Name: "layernorm_bwd", Source: "layernorm.comp", Defines: []string{"LN_BWD"}, Push: LayerNormBackwardPush{}, Bindings: []Binding{In, In, In, In, In, Out}},
	{Name: "layernorm_bwd_params", Source: "layernorm.comp", Defines: []string{"LN_PARAMS"}, Push: LayerNormParamsPush{}, Bindings: []Binding{In, In, In, In, Out}},
	{Name: "layernorm_bwd_params_vec4", Source: "layernorm.comp", Defines: []string{"LN_PARAMS", "LN_VEC4"}, Push: LayerNormParamsPush{}, Bindings: []Binding{In, In, In, In, Out}},
	{Name: "layernorm_bwd_sg", Source: "layernorm.comp", Defines: []string{"LN_BWD", "LN_SUBGROUP"}, Push: LayerNormBackwardPush{}, Bindings: []Binding{In, In, In, In, In, Out}},
	{Name: "layernorm_bwd_sg_vec4", Source: "layernorm.comp", Defines: []string{"LN_BWD", "LN_SUBGROUP", "LN_VEC4"}, Push: LayerNormBackwardPush{}, Bindings: []Binding{In, In, In, In, In, Out}},
	{Name: "layernorm_bwd_vec4", Source: "layernorm.comp", Defines: []string{"LN_BWD", "LN_VEC4"}, Push: LayerNormBackwardPush{}, Bindings: []Binding{In, In, In, In, In, Out}},
	{Name: "layernorm_fwd", Source: "layernorm.comp", Defines: []string{"LN_FWD"}, Push: LayerNormPush{}, Bindings: []Binding{In, In, In, Out, Out, Out}},
	{Name: "layernorm_fwd_sg", Source: "layernorm.comp", Defines: []string{"LN_FWD", "LN_SUBGROUP"}, Push: LayerNormPush{}, Bindings: []Binding{In, In, In, Out, Out, Out}},
	{Name: "layernorm_fwd_sg_vec4", Source: "layernorm.comp", Defines: []string{"LN_FWD", "LN_SUBGROUP", "LN_VEC4"}, Push: LayerNormPush{}, Bindings: []Binding{In, In, In, Out, Out, Out}},
	{Name: "layernorm_fwd_vec4", Source: "layernorm.comp", Defines: []string{"LN_FWD", "LN_VEC4"}, Push: LayerNormPush{}, Bindings: []Binding{In, In, In, Out, Out, Out}},
	{Name: "loss_final", Source: "loss.comp", Defines: []string{"LOSS_FINAL"}, Push: LossPush{}, Bindings: []Binding{In, Out}},
	{Name: "loss_masksum", Source: "loss.comp", Defines: []string{"LOSS_MASKSUM"}, Push: LossPush{}, Bindings: []Binding{In, Out}},
	{Name: "loss_rows", Source: "loss.comp", Defines: []string{"LOSS_ROWS"}, Push: LossPush{}, Bindings: []Binding{In, In, In, Out, InOut}},
	{Name: "meanpool_bwd", Source: "meanpool.comp", Defines: []string{"MEANPOOL_BWD"}, Push: MeanPoolPush{}, Bindings: []Binding{In, Out}},
	{Name: "meanpool_fwd", Source: "meanpool.comp", Defines: []string{"MEANPOOL_FWD"}, Push: MeanPoolPush{}, Bindings: []Binding{In, Out}},
	{Name: "patch", Source: "patch.comp", Push: PatchPush{}, Bindings: []Binding{In, Out}},
	{Name: "reduce_cols", Source: "reduce_cols.comp", Push: ReduceColsPush{}, Bindings: []Binding{In, Out}},
	{Name: "reduce_cols_vec4", Source: "reduce_cols.comp", Defines: []string{"REDUCE_VEC4"}, Push: ReduceColsPush{}, Bindings: []Binding{In, Out}},
	{Name: "reduce_sum", Source: "reduce_sum.comp", Push: ReducePush{}, Bindings: []Binding{In, Out}},
	{Name: "reduce_sum_scale", Source: "reduce_sum.comp", Defines: []string{"REDUCE_SCALE"}, Push: ReduceScalePush{}, Bindings: []Binding{In, Out}},
	{Name: "reduce_sum_vec4", Source: "reduce_sum.comp", Defines: []string{"REDUCE_VEC4"}, Push: ReducePush{}, Bindings: []Binding{In, Out}},
	{Name: "softce_final", Source: "softce.comp", Defines: []string{"SOFTCE_FINAL"}, Push: SoftCEPush{}, Bindings: []Binding{In, Out}},
	{Name: "softce_rows", Source: "softce.comp", Defines: []string{"SOFTCE_ROWS"}, Push: SoftCEPush{}, Bindings: []Binding{In, In, Out, Out}},
	{Name: "subgroup_probe", Source: "subgroup_probe.comp", Bindings: []Binding{Out}, Spare: "the dispatcher's own tests (vk): required subgroup sizes"},
	{Name: "tokens", Source: "tokens.comp", Push: TokensPush{}, Bindings: []Binding{In, In, In, In, Out}},
	{Name: "unshuffle", Source: "unshuffle.comp", Push: GatherPush{}, Bindings: []Binding{In, In, In, Out}},
	{Name: "unshuffle_backward_dx", Source: "unshuffle_backward.comp", Defines: []string{"UNSHUFFLE_DX"}, Push: UnshuffleBackwardPush{}, Bindings: []Binding{In, In, Out}},
	{Name: "unshuffle_backward_mask", Source: "unshuffle_backward.comp", Defines: []string{"UNSHUFFLE_MASK"}, Push: UnshuffleBackwardPush{}, Bindings: []Binding{In, Out}},
	{Name: "unshuffle_backward_partial", Source: "unshuffle_backward.comp", Defines: []string{"UNSHUFFLE_PARTIAL"}, Push: UnshuffleBackwardPush{}, Bindings: []Binding{In, In, Out}},
}
