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
// storage of the 16-bit model at fp16 (or bf16): qkv and the attention
// output O in binary16 (bfloat16), dO, lse, D and dqkv in float32; dO, P
// and dS are rounded to the 16-bit format before their products,
// accumulation and softmax are float32.
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
// Wiring (attention_coopmat_use.go): when EnableCoopMat has put the
// family in use (a device with the extension and a passed GEMM check, or
// MAEVK_COOPMAT=emulate with 16-bit storage), AttentionCoopMatFor plans
// the attention once per head dimension (PlanAttentionCoopMat, emulated
// if EnableCoopMat was) and self-checks it (CheckAttentionCoopMat with
// EnableCoopMat's verdict directory and warn: a failure warns once and
// the cpu or gpu family stays). The model's blocks (mae/block.go) ask it
// for every attention stored at FP16 and record AttentionCoopMat /
// AttentionBackwardCoopMat with the buffers of AttentionAs /
// AttentionBackwardAs; CoopMatAttentions counts them. The same holds at
// BF16 (AttentionCoopMatFor(BF16, d)): PlanAttentionCoopMatFor(BF16, ...)
// takes PlanCoopMatFor(BF16, ...)'s shape and kind and runs the _bf16
// variants (qkv and O in bfloat16; dO, P and dS rounded to bfloat16),
// only while EnableCoopMat has a bf16 GEMM plan in use (a listed bf16
// shape and a passed bf16 GEMM check, or emulate with 16-bit storage);
// its self-check runs on bf16-rounded inputs with eight times the fp16
// tolerance (2⁻⁸ per rounding instead of 2⁻¹¹). AttentionConfig does not
// list "coopmat": the switch is EnableCoopMat's, not a family choice.
//
// # Cooperative-matrix GEMM (gemm_coopmat*.go)
//
// GemmCoopMat is the tensor-core GEMM family: A and B in binary16
// (CoopMatInput), fp32 accumulation, C fp32 or fp16, the epilogue and
// strided batching of Gemm. A workgroup of WM×WN subgroups, each owning
// FM×FN fragments (CoopMatPlan), stages A and B slices of KSteps
// fragments' K in shared memory (eight values per uvec4 load where the
// operand's contiguous dimension and batch stride are multiples of 8:
// coopMatVecFlags) and writes C back one fragment per subgroup at a time;
// plans are sized to the device's invocation and shared-memory limits,
// and tuning (coopMatBlockings) tries blocks of 64×64 to 128×128.
// PlanCoopMat picks a variant only when the device reports
// VK_KHR_cooperative_matrix (or only VK_NV_cooperative_matrix), the Vulkan
// memory model, and an fp16 × fp16 + fp32 subgroup shape the table is
// compiled for (coopMatShapes, in order of preference: 16x16x16,
// 16x8x16, then 8x16x16 for Intel Xe2, which lists only M = 8; the first
// one the device lists wins, whatever the device's order); otherwise it
// returns ErrNoCoopMat, or the plain-code emulation of the same source
// when asked (how lavapipe and SwiftShader test it). CheckCoopMat runs a
// variant (both C formats) once per device, driver version and blocking
// against GemmRef before use, cached beside the GEMM tuning, and warns once on a
// failure. The real kernels place their fragments by gl_SubgroupID over
// subgroups of the plan's Lanes (the device's subgroupSize); their
// pipelines require that size, with full subgroups, wherever the device
// has subgroup size control for compute (coopMatSubgroupSize: Mesa
// already compiles them at that size, ANV at SIMD32 and RADV at wave64,
// but Vulkan does not promise it for SPIR-V 1.3).
//
// Wiring (gemm_coopmat_use.go): EnableCoopMat (the CLI calls it when it
// opens the ops; MAEVK_COOPMAT=auto|off|emulate) plans, applies the tuned
// choice (GemmConfig.CoopMat, from TuneCoopMat: `bench gemm --tune`) and
// self-checks, for fp16 and for bf16 each on its own; from then on Gemm
// runs every product whose A and B are both fp16 (C fp32 or fp16) or both
// bf16 (C fp32 or bf16), batch within one dispatch, on that precision's
// plan, and everything else (fp32, mixed operands, a precision without a
// plan) on reg/tiled/generic. In the 16-bit model that is the linears
// forward, and backward too: with a plan for its precision the model
// writes each output gradient's 16-bit copy in the bias gradient's pass
// (ColumnSumsCast) for dW and dx (CoopMatRuns).
//
// bf16 (PlanCoopMatFor(BF16, ...)): the variants are the fp16 KHR modules
// retyped to bfloat16 by tools/shaderbuild (shaders/doc.go), used where
// the device lists a compiled bf16 × bf16 + fp32 KHR shape and has
// VK_KHR_shader_bfloat16's type and cooperative matrices (vk enables them;
// CoopMatListed(info, BF16)). The NV extension has no bf16. The module is validated by no
// tool here; its self-check, on inputs rounded to bf16, decides on the
// device. The emulation (_emu_bf16: bf16 A and B from 16-bit storage)
// tests the wiring on lavapipe; SwiftShader, without 16-bit storage, has
// no bf16 products. The bf16 attention follows the GEMM (see above).
package ops
