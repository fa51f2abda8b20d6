package spirv

import "testing"

func TestLiteralString(t *testing.T) {
	for _, c := range []struct {
		words []uint32
		want  string
	}{
		{nil, ""},
		{[]uint32{0}, ""},
		{[]uint32{0x6e69616d, 0}, "main"},            // "main" fills a word; the NUL takes the next
		{[]uint32{0x00636261}, "abc"},                // NUL in the last byte
		{[]uint32{0x64636261, 0x00006665}, "abcdef"}, // over two words
		{[]uint32{0x00006261, 0x64636261}, "ab"},     // nothing after the NUL counts
		{[]uint32{0x64636261}, "abcd"},               // no NUL: up to the end
	} {
		if got := LiteralString(c.words); got != c.want {
			t.Errorf("LiteralString(%#x) = %q, want %q", c.words, got, c.want)
		}
	}
}
