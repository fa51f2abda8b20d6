// Package ops holds the compute kernels of MAE training: one file per op
// family with the Go call that records the kernel and, beside it, a plain-loop
// CPU reference (float64 accumulation) that the shared test suite checks the
// device against.
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
//
// # Cooperative-matrix attention (attention_coopmat*.go)
//
// AttentionCoopMat and AttentionBackwardCoopMat are the fused attention
// (Attention, AttentionBackward: same math, layouts and two-pass backward)
// with its six products on cooperative matrices: q, k, v, o and dO read
// as binary16 in the float32 kernels' element layout, P and dS rounded to
// binary16 before their products, float32 accumulation in shared memory,
// O, lse, D and dqkv written in float32. PlanAttentionCoopMat takes
// PlanCoopMat's fragment shape and kind (so the same device shape list
// decides, never an assumed shape) and sizes each pass's workgroup (4, 2
// or 1 subgroups) from the device's invocation and shared-memory limits;
// CheckAttentionCoopMat is the per-device, per-driver, per-head-dimension
// self-check, sharing the GEMM's verdict file and warn-once machinery
// (coopMatVerdict). `bench attention --variant coopmat|coopmat-emu` times
// it. The emulated variants (shaders/include/coopmat.glsl) run in the op
// suite on lavapipe (fp16 inputs) and SwiftShader (float32 inputs rounded
// to binary16).
//
// Not wired yet: the model's attention still calls Attention and
// AttentionBackward on float32 qkv. Once the 16-bit activations land, the
// fp16 path should call PlanAttentionCoopMat(d, false) and
// CheckAttentionCoopMat once per device (falling back to the cpu or gpu
// family on an error or a failed check) and hand its 16-bit qkv, attention
// output and dO to the coopmat calls; AttentionConfig should then list
// "coopmat" as a family. bf16 (where the device lists bf16 shapes) is not
// compiled yet.
package ops
