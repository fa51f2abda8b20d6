// Package shaders holds the GLSL compute sources of mae-vk, their shared
// headers, the variant table that says how each SPIR-V module is built, and
// the compiled SPIR-V, committed and embedded so that go build needs no
// shader compiler. Run go generate ./shaders after editing a source.
package shaders
