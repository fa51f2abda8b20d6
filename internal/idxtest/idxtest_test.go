package idxtest

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestBytes(t *testing.T) {
	got := Bytes(ImagesMagic, []int{2, 1, 3}, []byte{9, 8, 7, 6, 5, 4})
	want := []byte{0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 9, 8, 7, 6, 5, 4}
	if !bytes.Equal(got, want) {
		t.Errorf("Bytes = %v, want %v", got, want)
	}
}

func TestWritePairGzip(t *testing.T) {
	dir := t.TempDir()
	WritePair(t, dir, "train", 1, 2, []byte{1, 2, 3, 4}, []byte{5, 6}, true)
	f, err := os.Open(filepath.Join(dir, "train-labels-idx1-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, Bytes(LabelsMagic, []int{2}, []byte{5, 6})) {
		t.Errorf("labels file holds %v, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "train-images-idx3-ubyte.gz")); err != nil {
		t.Error(err)
	}
}
