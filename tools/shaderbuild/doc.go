// Command shaderbuild compiles every entry of the shaders.Variants table
// with glslc, validates it with spirv-val, and writes shaders/spv/<name>.spv.
// With -check it compiles into a temporary directory instead and fails if a
// committed module differs, is missing, or is not in the table.
//
// A variant marked CoopMatKHR is written against GL_NV_cooperative_matrix
// (all this glslc compiles); after spirv-val accepts the NV module it is
// rewritten to SPV_KHR_cooperative_matrix by nvToKHR (coopmat.go): new
// opcodes, a Use per matrix type from its role in the multiply-add, layout
// ids for the column-major bools, KHR capability and extension.
package main
