// Package idxtest writes IDX files (the MNIST format) for tests: one
// encoder instead of one per test file.
package idxtest

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// The magic numbers of the IDX files mae-vk reads: unsigned bytes with three
// dimensions (images) or one (labels).
const (
	ImagesMagic = 0x803
	LabelsMagic = 0x801
)

// Bytes encodes an IDX file: the magic, each dimension as a big-endian
// uint32, then data.
func Bytes(magic uint32, dims []int, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		out = binary.BigEndian.AppendUint32(out, uint32(d))
	}
	return append(out, data...)
}

// WritePair writes len(labels) images of h×w pixels (pix, row-major) and
// their labels into dir as prefix-images-idx3-ubyte and
// prefix-labels-idx1-ubyte, gzip-compressed with a .gz suffix when gz. It
// fails the test on any error or when pix does not hold len(labels)·h·w bytes.
func WritePair(t testing.TB, dir, prefix string, h, w int, pix, labels []byte, gz bool) {
	t.Helper()
	n := len(labels)
	if len(pix) != n*h*w {
		t.Fatalf("idxtest: %d pixel bytes for %d images of %d×%d", len(pix), n, h, w)
	}
	img := Bytes(ImagesMagic, []int{n, h, w}, pix)
	lab := Bytes(LabelsMagic, []int{n}, labels)
	ext := ""
	if gz {
		img, lab, ext = Gzip(t, img), Gzip(t, lab), ".gz"
	}
	WriteFile(t, filepath.Join(dir, prefix+"-images-idx3-ubyte"+ext), img)
	WriteFile(t, filepath.Join(dir, prefix+"-labels-idx1-ubyte"+ext), lab)
}

// Gzip compresses data.
func Gzip(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// WriteFile writes data to path, creating its directory.
func WriteFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
