// Package spirv holds the pieces of the SPIR-V binary format that more than
// one package reads: vk checks modules before a driver sees them, and
// tools/shaderbuild rewrites them.
package spirv

// LiteralString decodes a SPIR-V literal string operand: UTF-8 bytes packed
// four to a word, low-order byte first, ending at the first NUL (or at the
// end of words when there is none).
func LiteralString(words []uint32) string {
	var b []byte
	for _, w := range words {
		for k := 0; k < 4; k++ {
			c := byte(w >> (8 * k))
			if c == 0 {
				return string(b)
			}
			b = append(b, c)
		}
	}
	return string(b)
}
