// Command shaderbuild compiles every entry of the shaders.Variants table
// with glslc, validates it with spirv-val, and writes shaders/spv/<name>.spv.
// With -check it compiles into a temporary directory instead and fails if a
// committed module differs, is missing, or is not in the table.
package main
