// Package shaders holds the GLSL compute sources of mae-vk, their shared
// headers, the variant table that says how each SPIR-V module is built and
// what it expects from Go, the push-constant structs, and the compiled
// SPIR-V, committed and embedded so that go build needs no shader compiler.
// Run go generate ./shaders (make shaders) after editing a source.
//
// # The contract between Go and a shader
//
// Each entry of Variants names, besides its source and defines, the Go
// struct that mirrors its push-constant block (Push, a zero value of a type
// in push.go) and its descriptor bindings 0..n-1 of set 0 (Bindings: In for
// a readonly buffer, Out for writeonly, InOut for a plain buffer, Texel for
// a samplerBuffer). Callers take both from the table: ops builds a kernel
// with Lookup(name), its bindings and PushSize, so sizes are never typed as
// numbers and an unknown name is an error. TestContract reads every module's
// SPIR-V and checks each push member's type and offset against the struct,
// the block within 128 bytes, and the bindings' count, numbers and kinds.
// TestVariantsAsked (package ops) checks that every variant is asked for by
// an op or says in Spare why it is kept.
//
// # Adding a variant
//
//  1. Write or extend the .comp (shared code in include/).
//  2. If its push-constant block is new, add its mirror to push.go: fields
//     uint32, int32 or float32 in the GLSL order, with a doc comment naming
//     the shader.
//  3. Add the entry to Variants, sorted by name, with Push and Bindings.
//  4. make shaders, then go test ./shaders (TestContract) and commit the
//     SPIR-V with the source.
//  5. Ask for it from Go by name (ops: o.kernel(name, constants...)); build a
//     name from parts with a small function that ops' variantsAsked (in
//     variants_test.go) also calls, or mark the entry Spare with the reason.
//
// # Cooperative matrices (tensor cores)
//
// Debian 12's glslc compiles GL_NV_cooperative_matrix but not
// GL_KHR_cooperative_matrix, and its spirv-val knows only the NV opcodes.
// So a cooperative-matrix kernel is written once, against the NV extension
// (fcoopmatNV, coopMatLoadNV, coopMatMulAddNV, coopMatStoreNV), and built
// up to three ways from the same source:
//
//   - as is: the NV module, for devices that list only
//     VK_NV_cooperative_matrix;
//   - with CoopMatKHR set: shaderbuild validates the NV module and then
//     rewrites it to SPV_KHR_cooperative_matrix (tools/shaderbuild/coopmat.go:
//     opcodes 5358-5362 -> 4456-4460, capability 5357 -> 6022, the
//     extension name, a Use operand on each matrix type taken from the
//     matrix's role in the multiply-add — a type shared by A and B, and its
//     pointer types, are split into one KHR type per Use — and layout ids,
//     RowMajor 0 / ColumnMajor 1, for the column-major bools). Its tests
//     check each opcode, each matrix's Use, and a KHR -> NV round trip that
//     spirv-val accepts; the KHR module itself is validated only by a real
//     driver (and the per-device self-check);
//   - with COOPMAT_EMULATE defined: the matrix type and its load, store and
//     multiply-add become plain subgroup code with the same fragment shapes
//     (include/coopmat.glsl), so tiling, indexing, staging and
//     epilogues run in the op suite on lavapipe and SwiftShader.
//
// Each kernel is compiled for the fragment shapes (M, N, K) that devices
// list for fp16 × fp16 + fp32: 16x16x16 and 16x8x16 (NVIDIA, AMD RDNA3)
// and 8x16x16 (Intel Xe2, which lists only M = 8; the emulated 8×16
// accumulator is 128 elements over 32 lanes), in variants named
// <kernel>_<M>x<N>x<K>_<kind> (variants.go, variants_coopmat.go). The
// sources take MS, NS, KS as defines and assume no relation between them:
// a workgroup's rows are WM·FM·MS (GEMM) or WQ·MS (attention, streaming
// tiles of KS rows, so NS and KS must divide the head dimension); a new
// shape is a table entry plus ops.coopMatShapes, which orders them by
// preference.
//
// bfloat16 (variants_bf16.go): this glslc has no GL_EXT_bfloat16 and these
// spirv-tools no SPV_KHR_bfloat16, so the bf16 GEMM is the fp16 one's KHR
// module retyped (CoopMatBF16; tools/shaderbuild/bfloat16.go): OpTypeFloat
// 16 gains the BFloat16KHR encoding (0), its constants are re-encoded
// (0x3C00 -> 0x3F80; a value bf16 cannot hold exactly is an error),
// capabilities BFloat16TypeKHR (5116) and BFloat16CooperativeMatrixKHR
// (5118) and the extension are declared and Float16 dropped. The rewrite
// rejects, naming the opcode, any instruction SPV_KHR_bfloat16 does not
// allow on a 16-bit value (arithmetic, comparisons, extended
// instructions): a coopmat kernel keeps its 16-bit values to loads,
// stores, copies, phis, conversions and the matrix instructions, and
// computes in fp32. Its tests compare each bf16 module with its fp16
// twin; no validator here reads it, the device's self-check does. The
// emulation reads bf16 through COOPMAT_BF16_INPUT (16-bit storage, no
// fp16 arithmetic). VK_NV_cooperative_matrix has no bf16: no NV form.
// The cooperative-matrix attention has the same two bf16 forms
// (attention_coopmat_<pass>_<shape>_khr_bf16 and _emu_bf16): its
// emulation reads qkv and O as bfloat16 bits, writes O rounded to nearest
// even (storage.glsl's float_to_half under HALF_BF16) and rounds P, dO
// and dS to bfloat16 where the real module holds them in 16 bits.
//
// Keep matrices in values, Function variables or arrays of them (no
// structs); a value may serve in one role only.
// # 16-bit storage (mixed precision)
//
// include/storage.glsl defines the 16-bit formats (HALF_FP16, HALF_BF16: one
// per module) and their conversions; a shader marks which of its operands
// are 16-bit with its own switches (GEMM_A16, GEMM_B16, GEMM_C16, LN_Y16,
// GELU_X16, GELU_Y16, CAST_TO_HALF, CAST_TO_FLOAT) and reads and writes
// them through the header. variants_half.go derives the 16-bit modules
// from the fp32 entries: <fp32 name>_<operands>_<format>, e.g.
// gemm_reg_nt_8x16_a16b16_bf16, with the fp32 entry's push struct and
// bindings; the fp32 modules do not change.
package shaders
