package loader

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"

	"github.com/mae-vk/mae-vk/internal/idxtest"
)

// idxBytes, gzipBytes and writeFile are the idxtest helpers under the
// names the loader tests use.
var (
	idxBytes  = idxtest.Bytes
	gzipBytes = idxtest.Gzip
	writeFile = idxtest.WriteFile
)

// synthIDX returns n images of h×w with recognizable pixels and labels.
func synthIDX(n, h, w, classes int) (pix, labels []byte) {
	pix = make([]byte, n*h*w)
	for i := range pix {
		pix[i] = byte(i*7 + i/(h*w))
	}
	labels = make([]byte, n)
	for i := range labels {
		labels[i] = byte(i % classes)
	}
	return pix, labels
}

// writeIDXPair writes prefix-images-idx3-ubyte and prefix-labels-idx1-ubyte
// (gzipped when gz) into dir.
func writeIDXPair(t testing.TB, dir, prefix string, n, h, w int, gz bool) (pix, labels []byte) {
	t.Helper()
	pix, labels = synthIDX(n, h, w, 10)
	idxtest.WritePair(t, dir, prefix, h, w, pix, labels, gz)
	return pix, labels
}

// cifarBytes encodes n CIFAR records; label i is i % classes (the fine
// label for CIFAR-100, with coarse label i % 20).
func cifarBytes(n int, f cifarFormat) []byte {
	var buf bytes.Buffer
	for i := range n {
		if f.labelBytes == 2 {
			buf.WriteByte(byte(i % 20))
		}
		buf.WriteByte(byte(i % f.classes))
		for p := range cifarPixels {
			buf.WriteByte(byte(p + i))
		}
	}
	return buf.Bytes()
}

// solidWebP encodes a w×h lossless WebP of one opaque color: a VP8L stream
// with five single-symbol prefix codes, so every pixel takes zero bits.
func solidWebP(w, h int, r, g, b uint8) []byte {
	var bw bitWriter
	bw.put(0x2f, 8)
	bw.put(uint32(w-1), 14)
	bw.put(uint32(h-1), 14)
	bw.put(0, 1) // alpha hint
	bw.put(0, 3) // version
	bw.put(0, 1) // no transform
	bw.put(0, 1) // no color cache
	bw.put(0, 1) // no meta prefix codes
	for _, sym := range []uint8{g, r, b, 255, 0} {
		bw.put(1, 1) // simple code
		bw.put(0, 1) // one symbol
		bw.put(1, 1) // 8-bit symbol
		bw.put(uint32(sym), 8)
	}
	payload := bw.bytes()
	var out bytes.Buffer
	padded := len(payload) + len(payload)%2
	out.WriteString("RIFF")
	binary.Write(&out, binary.LittleEndian, uint32(4+8+padded))
	out.WriteString("WEBPVP8L")
	binary.Write(&out, binary.LittleEndian, uint32(len(payload)))
	out.Write(payload)
	if len(payload)%2 == 1 {
		out.WriteByte(0)
	}
	return out.Bytes()
}

// bitWriter packs bits least significant first, as VP8L reads them.
type bitWriter struct {
	buf   []byte
	nbits int
}

func (b *bitWriter) put(v uint32, n int) {
	for i := range n {
		if b.nbits%8 == 0 {
			b.buf = append(b.buf, 0)
		}
		if v>>i&1 != 0 {
			b.buf[len(b.buf)-1] |= 1 << (b.nbits % 8)
		}
		b.nbits++
	}
}

func (b *bitWriter) bytes() []byte { return b.buf }

// memSource is an in-memory Source for loader tests; items in bad fail
// with an ItemError, and sizes may vary per item.
type memSource struct {
	n, c, h, w int
	vary       bool // item i is h+i%5 by w+i%7
	bad        map[int]bool
	mu         sync.Mutex
	loads      int
}

func (s *memSource) Name() string { return "mem" }
func (s *memSource) Len() int     { return s.n }
func (s *memSource) Shape() (c, h, w int) {
	if s.vary {
		return s.c, 0, 0
	}
	return s.c, s.h, s.w
}
func (s *memSource) NumClasses() int { return 10 }
func (s *memSource) Stats() Stats {
	if s.c == 1 {
		return MNISTStats()
	}
	return ImageNetStats()
}
func (s *memSource) Path(i int) string { return fmt.Sprintf("mem/%d", i) }

func (s *memSource) Load(i int, dst *Image) (int, error) {
	if s.bad[i] {
		s.mu.Lock()
		s.loads++
		s.mu.Unlock()
		return 0, &ItemError{Path: s.Path(i), Err: fmt.Errorf("synthetic bad item")}
	}
	h, w := s.h, s.w
	if s.vary {
		h, w = s.h+i%5, s.w+i%7
	}
	dst.Reset(s.c, h, w)
	for k := range dst.Pix {
		dst.Pix[k] = byte(k*13 + i*31)
	}
	return i % 10, nil
}
