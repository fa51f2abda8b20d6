package vk

import (
	"encoding/binary"
	"fmt"

	"github.com/mae-vk/mae-vk/internal/spirv"
)

const (
	spirvMagic          = 0x07230203
	opEntryPoint        = 15
	executionGLCompute  = 5
	spirvHeaderWords    = 5
	spirvMaxInstruction = 0xffff
)

// spirvWords checks that code is a well-formed SPIR-V module with a GLCompute
// entry point named main, and returns its words. Drivers are allowed to
// crash on malformed SPIR-V, so nothing reaches them without this check.
func spirvWords(name string, code []byte) ([]uint32, error) {
	if len(code)%4 != 0 || len(code) < 4*spirvHeaderWords {
		return nil, fmt.Errorf("vulkan: shader %s: %d bytes is not a SPIR-V module (need whole 32-bit words and a header)", name, len(code))
	}
	words := make([]uint32, len(code)/4)
	for i := range words {
		words[i] = binary.LittleEndian.Uint32(code[4*i:])
	}
	if words[0] != spirvMagic {
		return nil, fmt.Errorf("vulkan: shader %s: bad SPIR-V magic %#08x", name, words[0])
	}
	foundMain := false
	for i := spirvHeaderWords; i < len(words); {
		count := int(words[i] >> 16)
		op := words[i] & 0xffff
		if count == 0 || i+count > len(words) {
			return nil, fmt.Errorf("vulkan: shader %s: SPIR-V instruction at word %d runs past the module", name, i)
		}
		if op == opEntryPoint && count >= 4 && words[i+1] == executionGLCompute && spirv.LiteralString(words[i+3:i+count]) == "main" {
			foundMain = true
		}
		i += count
	}
	if !foundMain {
		return nil, fmt.Errorf("vulkan: shader %s: SPIR-V has no GLCompute entry point named main", name)
	}
	return words, nil
}
