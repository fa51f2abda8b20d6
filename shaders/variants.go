package shaders

// Variant is one SPIR-V module: a GLSL source compiled with defines.
type Variant struct {
	Name    string   // the module's name: spv/<Name>.spv
	Source  string   // file in this directory
	Defines []string // NAME or NAME=VALUE, passed to glslc as -D
}

// Variants is the table of every SPIR-V module mae-vk embeds.
// go generate compiles each entry; keep it sorted by name.
var Variants = []Variant{
	{Name: "axpy", Source: "axpy.comp"},
	{Name: "reduce_sum", Source: "reduce_sum.comp"},
}
