package loader

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/image/bmp"
)

// gradient returns a w×h RGBA picture with distinct channels.
func gradient(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) % 256), 255})
		}
	}
	return m
}

func encode(t *testing.T, format string, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	case "gif":
		err = gif.Encode(&buf, img, nil)
	case "bmp":
		err = bmp.Encode(&buf, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// makeFolder writes an image folder with two classes, good pictures in
// every format and three bad files, and returns its root.
func makeFolder(t *testing.T) string {
	root := t.TempDir()
	gray := image.NewGray(image.Rect(0, 0, 20, 24))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i)
	}
	files := map[string][]byte{
		"cat/a.png":         encode(t, "png", gradient(24, 20)),
		"cat/b.JPG":         encode(t, "jpeg", gradient(30, 22)),
		"cat/deep/c.gif":    encode(t, "gif", gradient(18, 18)),
		"cat/d.bmp":         encode(t, "bmp", gradient(25, 19)),
		"cat/e.webp":        solidWebP(21, 17, 10, 200, 30),
		"dog/f.png":         encode(t, "png", gray),
		"dog/g.jpeg":        encode(t, "jpeg", gray),
		"dog/notes.txt":     []byte("not a picture, not listed"),
		"dog/.hidden.png":   encode(t, "png", gray),
		"cat/empty.png":     {},
		"dog/text.jpg":      []byte("this is text, not a JPEG\n"),
		"dog/truncated.jpg": encode(t, "jpeg", gradient(40, 40))[:300],
	}
	for name, data := range files {
		writeFile(t, filepath.Join(root, filepath.FromSlash(name)), data)
	}
	return root
}

func TestFolderSource(t *testing.T) {
	root := makeFolder(t)
	src, err := Open(root, "train", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if src.Len() != 10 || src.NumClasses() != 2 {
		t.Fatalf("Len %d classes %d, want 10 and 2", src.Len(), src.NumClasses())
	}
	if c, h, w := src.Shape(); c != 3 || h != 0 || w != 0 {
		t.Errorf("Shape %d×%d×%d, want 3×0×0", c, h, w)
	}
	var img Image
	good, bad := 0, 0
	for i := range src.Len() {
		label, err := src.Load(i, &img)
		path := src.(Pather).Path(i)
		wantLabel := 0
		if strings.Contains(path, "/dog/") {
			wantLabel = 1
		}
		var ie *ItemError
		switch {
		case errors.As(err, &ie):
			bad++
			if ie.Path != path {
				t.Errorf("ItemError names %s, want %s", ie.Path, path)
			}
		case err != nil:
			t.Fatalf("%s: %v", path, err)
		default:
			good++
			if label != wantLabel {
				t.Errorf("%s: label %d, want %d", path, label, wantLabel)
			}
			if strings.HasSuffix(path, ".webp") && (img.C != 3 || img.W != 21 || img.H != 17 || img.Pix[0] != 10 || img.Plane(1)[5] != 200 || img.Plane(2)[7] != 30) {
				t.Errorf("webp decoded as %d×%d×%d starting %v", img.C, img.H, img.W, img.Pix[:3])
			}
			if strings.HasSuffix(path, "f.png") && img.C != 1 {
				t.Errorf("gray png decoded with %d channels", img.C)
			}
		}
	}
	if good != 7 || bad != 3 {
		t.Errorf("%d good and %d bad items, want 7 and 3", good, bad)
	}
}

func TestFolderLoaderSkipsBadFiles(t *testing.T) {
	root := makeFolder(t)
	src, err := Open(root, "train", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, aug := range []Augment{AugmentMAE, AugmentNone} {
		var mu sync.Mutex
		var warnings []string
		cfg := Config{BatchSize: 3, Size: 16, Channels: 3, Augment: aug, Shuffle: true, Seed: 7, Workers: 3, Epochs: 3,
			Warn: func(s string) { mu.Lock(); warnings = append(warnings, s); mu.Unlock() }}
		l, err := NewLoader(context.Background(), src, cfg)
		if err != nil {
			t.Fatal(err)
		}
		batches := 0
		for {
			b, err := l.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, item := range b.Items {
				if p := src.(Pather).Path(item); strings.Contains(p, "empty") || strings.Contains(p, "text") || strings.Contains(p, "truncated") {
					t.Errorf("bad file %s delivered", p)
				}
			}
			batches++
			b.Release()
		}
		l.Close()
		if batches != 9 {
			t.Errorf("%v: %d batches, want 3 epochs of 3", aug, batches)
		}
		if l.BadItems() != 3 || len(warnings) != 3 {
			t.Errorf("%v: %d bad items, warnings %q; want 3 of each", aug, l.BadItems(), warnings)
		}
		for _, name := range []string{"empty.png", "text.jpg", "truncated.jpg"} {
			n := 0
			for _, w := range warnings {
				if strings.Contains(w, name) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%v: %d warnings name %s, want 1: %q", aug, n, name, warnings)
			}
		}
	}
}

func TestFolderSplitsAndLoosePictures(t *testing.T) {
	root := t.TempDir()
	pic := encode(t, "png", gradient(8, 8))
	writeFile(t, filepath.Join(root, "train", "x", "1.png"), pic)
	writeFile(t, filepath.Join(root, "train", "y", "2.png"), pic)
	writeFile(t, filepath.Join(root, "train", "y", "3.png"), pic)
	writeFile(t, filepath.Join(root, "val", "x", "4.png"), pic)
	for split, n := range map[string]int{"train": 3, "test": 1} {
		src, err := Open(root, split, Options{})
		if err != nil || src.Len() != n {
			t.Errorf("%s: %v items, %v; want %d", split, src, err, n)
		}
	}
	loose := t.TempDir()
	writeFile(t, filepath.Join(loose, "a.png"), pic)
	writeFile(t, filepath.Join(loose, "b.PNG"), pic)
	src, err := Open(loose, "test", Options{})
	if err != nil || src.Len() != 2 || src.NumClasses() != 0 {
		t.Errorf("unlabeled folder: %v, %v", src, err)
	}
	writeFile(t, filepath.Join(loose, "k", "c.png"), pic)
	var warnings []string
	src, err = Open(loose, "train", Options{Warn: func(s string) { warnings = append(warnings, s) }})
	if err != nil || src.Len() != 3 || src.NumClasses() != 1 || len(warnings) != 1 {
		t.Errorf("mixed folder: %v, %v, warnings %q", src, err, warnings)
	}
}

func TestFolderEvalTooSmall(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a", "small.png"), encode(t, "png", gradient(10, 12)))
	writeFile(t, filepath.Join(root, "a", "big.png"), encode(t, "png", gradient(40, 40)))
	src, err := Open(root, "train", Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLoader(context.Background(), src, Config{BatchSize: 2, Size: 16, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = l.Next()
	if !errors.Is(err, ErrTooSmall) || !strings.Contains(err.Error(), "small.png") {
		t.Errorf("error %v: want ErrTooSmall naming small.png", err)
	}
	if _, err2 := l.Next(); err2 == nil {
		t.Error("Next after an error succeeded")
	}
}
