package shaders

// The push-constant blocks of the shaders, one Go struct per GLSL block,
// field by field in the same order. Fields are uint32, int32 or float32
// (std430 puts such fields back to back, 4 bytes each); the variant table
// names the struct each variant takes and TestContract checks every
// variant's SPIR-V against it.

// AdamWPush mirrors the push-constant block of shaders/adamw.comp.
type AdamWPush struct {
	N       uint32
	Beta1   float32
	Beta2   float32
	Eps     float32
	WD      float32
	NRanges uint32
	Clip    uint32
}

// AdamWCountPush mirrors the push-constant block of shaders/adamw_count.comp.
type AdamWCountPush struct {
	Clip uint32
}

// GradNormPush mirrors the push-constant block of shaders/gradnorm.comp.
type GradNormPush struct {
	N uint32
}

// AttentionPush mirrors the push-constant block of include/attention.glsl.
type AttentionPush struct {
	B, L, H uint32
	QScale  float32 // log2(e)/√d: the kernels keep scores in base 2
}

// AttentionUnfusedPush mirrors the push-constant block of attention_unfused.comp.
type AttentionUnfusedPush struct {
	B, L, H, D uint32
	Scale      float32
}

// ElementwisePush is the block of EW_ADD and EW_RESIDUAL.
type ElementwisePush struct {
	N uint32
}

// ElementwiseScalePush is the block of EW_SCALE.
type ElementwiseScalePush struct {
	N     uint32
	Alpha float32
}

// ElementwiseScaleByPush is the block of EW_SCALE_BY.
type ElementwiseScaleByPush struct {
	N     uint32
	Index uint32
}

// CastPush mirrors the push-constant block of shaders/cast.comp.
type CastPush struct {
	N uint32
}

// ElementwiseBcastPush is the block of EW_BCAST_ADD.
type ElementwiseBcastPush struct {
	Period   uint32
	Batch    uint32
	TableOff uint32
}

// ElementwiseCopyRowsPush is the block of EW_COPY_ROWS.
type ElementwiseCopyRowsPush struct {
	Rows      uint32
	Cols      uint32
	SrcStride uint32
	SrcOff    uint32
	DstStride uint32
	DstOff    uint32
}

// GatherPush mirrors the push-constant blocks of shaders/gather.comp,
// gather_backward.comp and unshuffle.comp.
type GatherPush struct {
	Count uint32 // elements
	L     uint32
	Lk    uint32
	D     uint32
}

// UnshuffleBackwardPush mirrors the push-constant block of
// shaders/unshuffle_backward.comp.
type UnshuffleBackwardPush struct {
	N  uint32
	L  uint32
	Lk uint32
	D  uint32
}

// GeluPush mirrors the push-constant block of shaders/gelu.comp (n counts
// vec4s in the _vec4 variants).
type GeluPush struct {
	N uint32
}

// GemmPush mirrors the push-constant block of gemm_common.glsl.
type GemmPush struct {
	M, N, K                   uint32
	StrideA, StrideB, StrideC uint32
	Alpha, Beta               float32
	Flags                     uint32
}

// LayerNormPush mirrors the push-constant block of LN_FWD in shaders/layernorm.comp.
// DimT counts vec4s in the _vec4 variants; Dim always counts floats.
type LayerNormPush struct {
	Rows uint32
	Dim  uint32
	DimT uint32
	Eps  float32
}

// LayerNormBackwardPush mirrors the push-constant block of LN_BWD.
type LayerNormBackwardPush struct {
	Rows uint32
	Dim  uint32
	DimT uint32
}

// LayerNormParamsPush mirrors the push-constant block of LN_PARAMS.
type LayerNormParamsPush struct {
	Rows         uint32
	DimT         uint32
	RowsPerBlock uint32
	BetaOff      uint32
}

// LossPush mirrors the push-constant block of shaders/loss.comp.
type LossPush struct {
	Rows    uint32 // N·L
	P       uint32
	NormPix uint32
}

// PatchPush mirrors the push-constant block of shaders/patch.comp.
type PatchPush struct {
	Total uint32 // N·C·H·W
	C     uint32
	H     uint32
	W     uint32
	P     uint32
	Mode  uint32
}

// ReducePush mirrors the push-constant block of shaders/reduce_sum.comp.
type ReducePush struct {
	N uint32
}

// ReduceScalePush mirrors that block with REDUCE_SCALE.
type ReduceScalePush struct {
	N     uint32
	Scale float32
}

// ReduceColsPush mirrors the push-constant block of shaders/reduce_cols.comp.
// Cols, Ld and the offsets count vec4s in the _vec4 variant.
type ReduceColsPush struct {
	Rows         uint32
	Cols         uint32
	Ld           uint32
	XOff         uint32
	OutOff       uint32
	RowsPerBlock uint32
}

// TokensPush mirrors the push-constant block of shaders/tokens.comp.
type TokensPush struct {
	N, Lk, D uint32
}

// AxpyPush mirrors the push-constant block of shaders/axpy.comp.
type AxpyPush struct {
	N uint32
	A float32
}

// SoftCEPush mirrors the push-constant block of shaders/softce.comp.
type SoftCEPush struct {
	N uint32 // samples
	C uint32 // classes
}

// DropPathPush mirrors the push-constant block of shaders/droppath.comp.
type DropPathPush struct {
	Total     uint32 // N·R
	PerSample uint32 // R
}

// MeanPoolPush mirrors the push-constant block of shaders/meanpool.comp.
type MeanPoolPush struct {
	N, T, D, Skip uint32
}
