package viewer

import (
	"image/color"
	"testing"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/mae"
)

// TestSceneGridMatchesLayout checks that the scene the compose shader gets
// is the layout's srcW×srcH, with the images where the layout (and so
// hit, patchCenter and the trace) puts them: no header row of labels on
// top, white separators, the original at (sep, sep) and hidden patches
// grey in the masked panel.
func TestSceneGridMatchesLayout(t *testing.T) {
	cfg, err := mae.Preset("micro")
	if err != nil {
		t.Fatal(err)
	}
	c, hw := cfg.Channels, cfg.ImageSize
	stats := loader.FashionMNISTStats()
	sc := scene{cfg: cfg, stats: stats}
	const rows = 2
	for range rows {
		img := make([]float32, c*hw*hw)
		for j := range img { // black: the un-normalized value 0
			img[j] = (0 - stats.Mean[0]) / stats.Std[0]
		}
		mask := make([]float64, cfg.NumPatches())
		mask[0] = 1
		sc.rows = append(sc.rows, row{image: img, mask: mask})
	}
	g, err := sc.grid()
	if err != nil {
		t.Fatal(err)
	}
	l := newLayout(800, 600, cfg, rows, false)
	if b := g.Bounds(); b.Min.X != 0 || b.Min.Y != 0 || b.Dx() != l.srcW || b.Dy() != l.srcH {
		t.Fatalf("scene %v, layout %dx%d", b, l.srcW, l.srcH)
	}
	white, black, grey := color.RGBA{255, 255, 255, 255}, color.RGBA{0, 0, 0, 255}, color.RGBA{128, 128, 128, 255}
	cell := l.img + l.sep
	for r := range rows {
		y0 := l.sep + r*cell
		if got := g.RGBAAt(0, y0); got != white {
			t.Errorf("row %d: left separator %v, want white", r, got)
		}
		if got := g.RGBAAt(l.sep, y0-1); got != white {
			t.Errorf("row %d: separator above %v, want white", r, got)
		}
		if got := g.RGBAAt(l.sep, y0); got != black {
			t.Errorf("row %d: original's top-left pixel %v, want black", r, got)
		}
		if got := g.RGBAAt(l.sep+cell, y0); got != grey {
			t.Errorf("row %d: masked panel's hidden patch 0 %v, want grey", r, got)
		}
		if got := g.RGBAAt(l.sep+cell+l.img-1, y0+l.img-1); got != black {
			t.Errorf("row %d: masked panel's visible last pixel %v, want black", r, got)
		}
	}
}
