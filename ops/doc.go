// Package ops holds the compute kernels of MAE training: one file per op
// family with the Go call that records the kernel and, beside it, a plain-loop
// CPU reference (float64 accumulation) that the shared test suite checks the
// device against.
//
// # Cooperative-matrix attention (attention_coopmat*.go)
//
// AttentionCoopMat and AttentionBackwardCoopMat are the fused attention
// (same math, layouts and two-pass backward as Attention and
// AttentionBackward) with its products on cooperative matrices, in the
// storage of the 16-bit model at fp16: qkv and the attention output O in
// binary16, dO, lse, D and dqkv in float32; dO, P and dS are rounded to
// binary16 before their products, accumulation and softmax are float32.
// PlanAttentionCoopMat takes PlanCoopMat's fragment shape and kind (so
// the device's shape list decides, never an assumed shape) and sizes each
// pass's workgroup (4, 2 or 1 subgroups) from the device's invocation and
// shared-memory limits; CheckAttentionCoopMat is the per-device,
// per-driver, per-head-dimension self-check, sharing the GEMM's verdict
// file and warn-once machinery (coopMatVerdict). `bench attention
// --variant coopmat|coopmat-emu` times it. The emulated variants
// (shaders/include/coopmat.glsl) run in the op suite on lavapipe (16-bit
// storage) and SwiftShader (float32 holding binary16 values).
//
// Not wired yet: the model's attention does not call it. With 16-bit
// activations (AttentionAs / AttentionBackwardAs at FP16: qkv and O
// binary16, dout float32) the buffers are already what these calls take;
// the model should plan once per head dimension with
// PlanAttentionCoopMat(d, false) + CheckAttentionCoopMat (falling back to
// the cpu or gpu family on an error or a failed check) and call them in
// place of the As calls at FP16 only (bf16 is not compiled: the device
// would need bf16 shapes); AttentionConfig should then list "coopmat".
//
// # Cooperative-matrix GEMM (gemm_coopmat*.go)
//
// GemmCoopMat is the tensor-core GEMM family: A and B in binary16
// (CoopMatInput, the family's own small interface to 16-bit data), fp32
// accumulation, the epilogue and strided batching of Gemm. PlanCoopMat
// picks a variant only when the device reports VK_KHR_cooperative_matrix
// (or only VK_NV_cooperative_matrix), the Vulkan memory model, and an fp16
// x fp16 + fp32 subgroup shape the table is compiled for; otherwise it
// returns ErrNoCoopMat, or the plain-code emulation of the same source
// when asked (that is how lavapipe and SwiftShader test it). CheckCoopMat
// then runs the variant once per device and driver version against
// GemmRef before use, cached beside the GEMM tuning, and warns once on a
// failure so that the caller falls back to the reg or tiled family.
//
// Not wired yet: Gemm does not dispatch to this family. Gemm now takes
// 16-bit operands (GemmSpec.AType/BType/CType, half.go: --precision), in
// the reg, tiled and generic families only; the fp16 path should hand
// its weights and activations to GemmCoopMat through CoopMatInput,
// gated by PlanCoopMat(false) + CheckCoopMat, and `bench gemm --tune`
// should time it among the candidates.
package ops
