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
package ops
