package loader

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"path/filepath"
	"strings"
	"testing"
)

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecodeFile decodes a gray PNG, an RGBA PNG (alpha dropped) and a JPEG
// from files, reusing one Image, whatever their names say.
func TestDecodeFile(t *testing.T) {
	dir := t.TempDir()
	g := image.NewGray(image.Rect(0, 0, 5, 4))
	for i := range g.Pix {
		g.Pix[i] = uint8(10 * i)
	}
	rgba := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i := 0; i < len(rgba.Pix); i += 4 {
		rgba.Pix[i], rgba.Pix[i+1], rgba.Pix[i+2], rgba.Pix[i+3] = uint8(i), 100, 200, 50
	}
	var jbuf bytes.Buffer
	if err := jpeg.Encode(&jbuf, image.NewGray(image.Rect(0, 0, 8, 6)), nil); err != nil {
		t.Fatal(err)
	}
	gray, color3, jpg := filepath.Join(dir, "g.png"), filepath.Join(dir, "c.png"), filepath.Join(dir, "named.png")
	writeFile(t, gray, encodePNG(t, g))
	writeFile(t, color3, encodePNG(t, rgba))
	writeFile(t, jpg, jbuf.Bytes()) // a JPEG with a .png name

	var img Image
	if err := DecodeFile(gray, &img); err != nil {
		t.Fatal(err)
	}
	if img.C != 1 || img.H != 4 || img.W != 5 || img.Pix[7] != 70 {
		t.Errorf("gray PNG: %d×%d×%d %v", img.C, img.H, img.W, img.Pix)
	}
	if err := DecodeFile(color3, &img); err != nil {
		t.Fatal(err)
	}
	if img.C != 3 || img.H != 2 || img.W != 3 || img.Plane(0)[1] != 4 || img.Plane(1)[0] != 100 || img.Plane(2)[5] != 200 {
		t.Errorf("RGBA PNG: %d×%d×%d %v", img.C, img.H, img.W, img.Pix)
	}
	if err := DecodeFile(jpg, &img); err != nil {
		t.Fatal(err)
	}
	if img.H != 6 || img.W != 8 {
		t.Errorf("JPEG: %d×%d×%d", img.C, img.H, img.W)
	}
}

// TestDecodeFileErrors checks that a missing, empty, non-picture or
// truncated file gives an *ItemError naming it.
func TestDecodeFileErrors(t *testing.T) {
	dir := t.TempDir()
	full := encodePNG(t, image.NewGray(image.Rect(0, 0, 16, 16)))
	files := map[string][]byte{
		"empty.png":     {},
		"text.png":      []byte("not a picture at all"),
		"truncated.png": full[:len(full)/2],
	}
	for name, data := range files {
		writeFile(t, filepath.Join(dir, name), data)
	}
	for _, name := range []string{"missing.png", "empty.png", "text.png", "truncated.png"} {
		path := filepath.Join(dir, name)
		var img Image
		err := DecodeFile(path, &img)
		var ie *ItemError
		if !errors.As(err, &ie) || ie.Path != path || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want an ItemError naming the file", name, err)
		}
	}
}
