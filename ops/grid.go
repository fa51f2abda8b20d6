package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/vk"
)

// batchChunk is how many batch entries of s one GEMM dispatch covers: all
// of them when they fit the device's z limit, otherwise the most that do
// while keeping each chunk's byte offsets into A, B and C aligned for
// storage and texel bindings (Gemm then records one dispatch per chunk).
func (o *Ops) batchChunk(s GemmSpec) (int, error) {
	maxZ := o.d.Info.MaxWorkgroupCount[2]
	if s.Batch <= maxZ {
		return max(s.Batch, 1), nil
	}
	// 16: the vectorised GEMM variants want 16-byte offsets.
	align := lcm(lcm(max(int(o.d.Info.StorageAlign), 1), max(int(o.d.Info.TexelAlign), 1)), 16)
	step := 1
	for _, stride := range [][2]int{{s.StrideA, s.AType.Bytes()}, {s.StrideB, s.BType.Bytes()}, {s.StrideC, s.CType.Bytes()}} {
		step = lcm(step, align/gcd(stride[0]*stride[1], align))
	}
	if step > maxZ {
		return 0, fmt.Errorf("ops: no aligned chunk of at most %d batch entries (strides %d, %d, %d; alignment %d bytes)",
			maxZ, s.StrideA, s.StrideB, s.StrideC, align)
	}
	return maxZ / step * step, nil
}

// skipElems is binding b without its first n elements of precision p; b
// itself when n is 0 (the first chunk of a batch binds what it was given).
func skipElems(b vk.Binding, n int, p Precision) vk.Binding {
	if n == 0 {
		return b
	}
	return advanceBytes(b, n*p.Bytes())
}

// advance is binding b without its first n float32s.
func advance(b vk.Binding, n int) vk.Binding { return advanceBytes(b, 4*n) }

// advanceBytes is binding b without its first off bytes.
func advanceBytes(b vk.Binding, off int) vk.Binding {
	var sp vk.Span
	switch v := b.(type) {
	case *vk.Buffer:
		sp = v.Whole()
	case vk.Span:
		sp = v
	default:
		panic(fmt.Sprintf("ops: binding is a %T, want *vk.Buffer or vk.Span", b))
	}
	if off > sp.Size {
		off = sp.Size
	}
	return vk.Span{Buf: sp.Buf, Offset: sp.Offset + off, Size: sp.Size - off}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	if a == 0 {
		return 1
	}
	return a
}

func lcm(a, b int) int { return a / gcd(a, b) * b }
