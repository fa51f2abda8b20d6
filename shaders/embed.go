package shaders

import (
	"embed"
	"fmt"
)

//go:generate go run ../tools/shaderbuild -dir .

//go:embed spv/*.spv
var spirv embed.FS

// SPIRV returns the compiled module of the named variant.
func SPIRV(name string) ([]byte, error) {
	b, err := spirv.ReadFile("spv/" + name + ".spv")
	if err != nil {
		return nil, fmt.Errorf("shader %s: not embedded (is it in the Variants table, and was go generate ./shaders run?): %w", name, err)
	}
	return b, nil
}

// MustSPIRV is SPIRV for names fixed in code; it panics on a missing module.
func MustSPIRV(name string) []byte {
	b, err := SPIRV(name)
	if err != nil {
		panic("shaders: " + err.Error())
	}
	return b
}
