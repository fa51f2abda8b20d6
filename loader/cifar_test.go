package loader

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestCIFAR10(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cifar-10-batches-bin")
	for k := 1; k <= 5; k++ {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("data_batch_%d.bin", k)), cifarBytes(3, cifar10Format()))
	}
	writeFile(t, filepath.Join(dir, "test_batch.bin"), cifarBytes(4, cifar10Format()))
	src, err := Open(filepath.Dir(dir), "train", Options{}) // finds the subfolder
	if err != nil {
		t.Fatal(err)
	}
	if src.Len() != 15 || src.NumClasses() != 10 {
		t.Fatalf("train: Len %d classes %d, want 15 and 10", src.Len(), src.NumClasses())
	}
	if c, h, w := src.Shape(); c != 3 || h != 32 || w != 32 {
		t.Errorf("Shape %d×%d×%d", c, h, w)
	}
	var img Image
	// Item 4 is record 1 of data_batch_2.
	label, err := src.Load(4, &img)
	if err != nil {
		t.Fatal(err)
	}
	if label != 1 || img.C != 3 || img.Pix[0] != 1 || img.Pix[1024] != byte((1024+1)%256) {
		t.Errorf("item 4: label %d, pixels %d %d", label, img.Pix[0], img.Pix[1024])
	}
	if p := src.(Pather).Path(4); !strings.HasSuffix(p, "data_batch_2.bin[1]") {
		t.Errorf("Path(4) = %s", p)
	}
	test, err := Open(dir, "test", Options{})
	if err != nil || test.Len() != 4 {
		t.Fatalf("test split: %v, %v", test, err)
	}
}

func TestCIFAR10MissingBatches(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "data_batch_1.bin"), cifarBytes(2, cifar10Format()))
	var warnings []string
	src, err := Open(dir, "train", Options{Warn: func(s string) { warnings = append(warnings, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if src.Len() != 2 || len(warnings) != 1 || !strings.Contains(warnings[0], "data_batch_5.bin") {
		t.Errorf("Len %d, warnings %q", src.Len(), warnings)
	}
	if _, err := Open(dir, "test", Options{}); err == nil || !strings.Contains(err.Error(), "test_batch.bin") {
		t.Errorf("missing test split: %v", err)
	}
}

func TestCIFAR100(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "train.bin"), cifarBytes(150, cifar100Format()))
	writeFile(t, filepath.Join(dir, "test.bin"), cifarBytes(7, cifar100Format()))
	src, err := Open(dir, "train", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if src.Len() != 150 || src.NumClasses() != 100 {
		t.Fatalf("Len %d classes %d", src.Len(), src.NumClasses())
	}
	var img Image
	label, err := src.Load(123, &img)
	if err != nil {
		t.Fatal(err)
	}
	if label != 23 || img.Pix[0] != 123 {
		t.Errorf("item 123: fine label %d (want 23), pixel %d", label, img.Pix[0])
	}
}

func TestCIFARErrors(t *testing.T) {
	dir := t.TempDir()
	data := cifarBytes(3, cifar10Format())
	data[3073] = 10 // label of record 1
	writeFile(t, filepath.Join(dir, "test_batch.bin"), data)
	if _, err := Open(dir, "test", Options{}); err == nil || !strings.Contains(err.Error(), "record 1 has label 10") {
		t.Errorf("label out of range: %v", err)
	}
	writeFile(t, filepath.Join(dir, "test_batch.bin"), cifarBytes(3, cifar10Format())[:5000])
	if _, err := Open(dir, "test", Options{}); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated: %v", err)
	}
	writeFile(t, filepath.Join(dir, "test_batch.bin"), nil)
	if _, err := Open(dir, "test", Options{}); err == nil || !strings.Contains(err.Error(), "empty file") {
		t.Errorf("empty: %v", err)
	}
}
