// Package ops holds the compute kernels of MAE training: one file per op
// family with the Go call that records the kernel and, beside it, a plain-loop
// CPU reference (float64 accumulation) that the shared test suite checks the
// device against.
//
// # Cooperative-matrix GEMM (gemm_coopmat*.go)
//
// GemmCoopMat is the tensor-core GEMM family: A and B in binary16
// (CoopMatInput), fp32 accumulation, C fp32 or fp16, the epilogue and
// strided batching of Gemm. A workgroup of WM×WN subgroups, each owning
// FM×FN fragments (CoopMatPlan), stages A and B slices in shared memory;
// plans are sized to the device's invocation and shared-memory limits.
// PlanCoopMat picks a variant only when the device reports
// VK_KHR_cooperative_matrix (or only VK_NV_cooperative_matrix), the Vulkan
// memory model, and an fp16 × fp16 + fp32 subgroup shape the table is
// compiled for; otherwise it returns ErrNoCoopMat, or the plain-code
// emulation of the same source when asked (how lavapipe and SwiftShader
// test it). CheckCoopMat runs a variant (both C formats) once per device
// and driver version against GemmRef before use, cached beside the GEMM
// tuning, and warns once on a failure.
//
// Wiring (gemm_coopmat_use.go): EnableCoopMat (the CLI calls it when it
// opens the ops; MAEVK_COOPMAT=auto|off|emulate) plans, applies the tuned
// choice (GemmConfig.CoopMat, from TuneCoopMat: `bench gemm --tune`) and
// self-checks; from then on Gemm runs every product whose A and B are
// both fp16 (C fp32 or fp16, batch within one dispatch) on the family, and
// everything else (fp32, bf16, mixed operands) on reg/tiled/generic. In
// the 16-bit model that is the forward linears; the backward products
// take an fp32 gradient and stay on the other families.
//
// bf16 is not done. Debian 12's glslc cannot compile GL_EXT_bfloat16, and
// a bf16 module derived from the fp16 SPIR-V (OpTypeFloat 16 with the
// BFloat16KHR encoding, capabilities BFloat16TypeKHR and
// BFloat16CooperativeMatrixKHR, SPV_KHR_bfloat16; the kernel does no fp16
// arithmetic, so the rewrite would be mechanical) cannot be validated
// here: this spirv-val knows neither SPV_KHR_bfloat16 nor the KHR
// cooperative matrix, and neither software driver runs either, so a module
// a driver rejects would first show on a real GPU. The device's
// VK_KHR_shader_bfloat16 features are queried and shown by `mae-vk
// devices` (vk.DeviceInfo.BFloat16CoopMat), not enabled.
package ops
