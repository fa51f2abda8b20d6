package mae

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mae-vk/mae-vk/internal/idxtest"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// writeIDX writes n random h×w images and their labels as an IDX pair.
func writeIDX(t *testing.T, dir, prefix string, n, h, w int, rng *RNG) {
	t.Helper()
	pix, labels := make([]byte, n*h*w), make([]byte, n)
	for i := range pix {
		pix[i] = byte(rng.Uint64())
	}
	for i := range labels {
		labels[i] = byte(i % 10)
	}
	idxtest.WritePair(t, dir, prefix, h, w, pix, labels, false)
}

// writeCIFAR10 writes one CIFAR-10 binary batch of n random 32×32 images.
func writeCIFAR10(t *testing.T, dir, name string, n int, rng *RNG) {
	t.Helper()
	var b []byte
	for i := 0; i < n; i++ {
		b = append(b, byte(i%10))
		for j := 0; j < 3*32*32; j++ {
			b = append(b, byte(rng.Uint64()))
		}
	}
	mustWrite(t, filepath.Join(dir, name), b)
}

// writeFolder writes n small pictures in two class folders, alternating
// PNG and JPEG, plus a zero-byte PNG, a truncated JPEG and a text file
// named .jpg.
func writeFolder(t *testing.T, dir string, n int, rng *RNG) {
	t.Helper()
	for i := 0; i < n; i++ {
		img := image.NewRGBA(image.Rect(0, 0, 36, 30))
		for y := 0; y < 30; y++ {
			for x := 0; x < 36; x++ {
				v := uint8(rng.Uint64())
				img.Set(x, y, color.RGBA{v, v / 2, 255 - v, 255})
			}
		}
		var buf bytes.Buffer
		name := filepath.Join(dir, []string{"cat", "dog"}[i%2], strings.Repeat("x", 1+i/2))
		if i%2 == 0 {
			_ = png.Encode(&buf, img)
			name += ".png"
		} else {
			_ = jpeg.Encode(&buf, img, nil)
			name += ".jpg"
		}
		mustWrite(t, name, buf.Bytes())
		if i == 1 {
			mustWrite(t, filepath.Join(dir, "dog", "truncated.jpg"), buf.Bytes()[:buf.Len()/3])
		}
	}
	mustWrite(t, filepath.Join(dir, "cat", "empty.png"), nil)
	mustWrite(t, filepath.Join(dir, "cat", "notes.jpg"), []byte("this is not a picture\n"))
}

func mustWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTrainOnEverySourceKind trains micro for a few steps on an IDX
// directory, CIFAR-10 batches, MNIST (from the Go module, installed by make
// setup) and an image folder holding three bad files, which must each be
// named in exactly one warning while training runs to the end.
func TestTrainOnEverySourceKind(t *testing.T) {
	rng := NewRNG(21)
	idx, cifar, folder := t.TempDir(), t.TempDir(), t.TempDir()
	writeIDX(t, idx, "train", 40, 28, 28, rng)
	for i := 1; i <= 5; i++ {
		writeCIFAR10(t, cifar, fmt.Sprintf("data_batch_%d.bin", i), 8, rng)
	}
	writeFolder(t, folder, 24, rng)
	d := vktest.Open(t)
	for _, tc := range []struct {
		name, data string
		bad        int
	}{{"idx", idx, 0}, {"cifar", cifar, 0}, {"mnist", "mnist", 0}, {"folder", folder, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := microTrainConfig(t, 4)
			cfg.Data, cfg.Batch, cfg.Epochs = tc.data, 8, 3
			cfg.Augment = "mae"
			var mu sync.Mutex
			var warnings []string
			steps := 0
			_, err := Train(context.Background(), ops.New(d), cfg, Hook{
				Name: "test",
				Step: func(*State, StepReport) error { steps++; return nil },
				Warn: func(msg string) {
					mu.Lock()
					warnings = append(warnings, msg)
					mu.Unlock()
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if steps != 4 {
				t.Errorf("%d steps, want 4", steps)
			}
			if len(warnings) != tc.bad {
				t.Errorf("%d warnings, want %d: %q", len(warnings), tc.bad, warnings)
			}
			for _, bad := range []string{"empty.png", "truncated.jpg", "notes.jpg"} {
				if tc.bad > 0 && !strings.Contains(strings.Join(warnings, "\n"), bad) {
					t.Errorf("no warning names %s: %q", bad, warnings)
				}
			}
		})
	}
}
