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
