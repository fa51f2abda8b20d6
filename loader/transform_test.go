package loader

import (
	"errors"
	"image"
	"math"
	"testing"

	"golang.org/x/image/draw"
)

func TestRandomResizedCropStats(t *testing.T) {
	scale, ratio := [2]float64{0.2, 1}, [2]float64{3.0 / 4, 4.0 / 3}
	for _, size := range [][2]int{{224, 224}, {28, 28}, {300, 180}, {32, 32}} {
		w, h := size[0], size[1]
		rng := NewRNG(1)
		var sumArea float64
		const draws = 20000
		for range draws {
			b := randomResizedCrop(&rng, w, h, scale, ratio)
			if b.x < 0 || b.y < 0 || b.w <= 0 || b.h <= 0 || b.x+b.w > w || b.y+b.h > h {
				t.Fatalf("%dx%d: crop %+v outside the picture", w, h, b)
			}
			// Rounding w and h to whole pixels moves area and ratio by up
			// to about one pixel per side.
			area := float64(b.w*b.h) / float64(w*h)
			slack := 2.5 / float64(min(b.w, b.h))
			if area < scale[0]*(1-2*slack) || area > 1 {
				t.Fatalf("%dx%d: area fraction %.3f of crop %+v", w, h, area, b)
			}
			r := float64(b.w) / float64(b.h)
			if r < ratio[0]*(1-slack) || r > ratio[1]*(1+slack) {
				t.Fatalf("%dx%d: ratio %.3f of crop %+v", w, h, r, b)
			}
			sumArea += area
		}
		// For square pictures few draws are rejected, so the mean area
		// stays near that of uniform(0.2, 1), 0.6, lowered a little by
		// the large crops of extreme ratio that do not fit.
		if mean := sumArea / draws; w == h && (mean < 0.5 || mean > 0.62) {
			t.Errorf("%dx%d: mean area fraction %.3f, want about 0.55", w, h, mean)
		}
	}
	// A picture far outside the ratio range falls back to a center crop.
	rng := NewRNG(2)
	if b := randomResizedCrop(&rng, 1000, 10, scale, ratio); b != (box{x: 493, y: 0, w: 13, h: 10}) {
		t.Errorf("fallback crop %+v", b)
	}
}

func TestEvalGeometry(t *testing.T) {
	cases := []struct{ w, h, size, rw, rh, x, y int }{
		{28, 28, 28, 28, 28, 0, 0},
		{32, 32, 32, 32, 32, 0, 0},
		{28, 40, 28, 28, 40, 0, 6},
		{300, 400, 224, 256, 341, 16, 58},
		{500, 375, 224, 341, 256, 58, 16},
		{32, 32, 28, 32, 32, 2, 2},
	}
	for _, c := range cases {
		rw, rh, x, y, err := evalGeometry(c.w, c.h, c.size)
		if err != nil || rw != c.rw || rh != c.rh || x != c.x || y != c.y {
			t.Errorf("evalGeometry(%d, %d, %d) = %d %d %d %d %v, want %d %d %d %d", c.w, c.h, c.size, rw, rh, x, y, err, c.rw, c.rh, c.x, c.y)
		}
	}
	if _, _, _, _, err := evalGeometry(10, 30, 16); !errors.Is(err, ErrTooSmall) {
		t.Errorf("small picture: %v", err)
	}
}

func TestNormalization(t *testing.T) {
	const v = 200
	check := func(name string, img *Image, channels int, norm Stats, want []float32) {
		t.Helper()
		tr, err := NewTransform(img.W, channels, AugmentNone, norm)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]float32, channels*img.W*img.H)
		if err := tr.Apply(out, img, nil); err != nil {
			t.Fatal(err)
		}
		plane := img.W * img.H
		for c := range channels {
			for _, got := range out[c*plane : (c+1)*plane] {
				if math.Abs(float64(got-want[c])) > 1e-5 {
					t.Fatalf("%s: channel %d value %v, want %v", name, c, got, want[c])
				}
			}
		}
	}
	gray := &Image{}
	gray.Reset(1, 28, 28)
	for i := range gray.Pix {
		gray.Pix[i] = v
	}
	check("mnist", gray, 1, MNISTStats(), []float32{(v/255.0 - 0.1307) / 0.3081})
	check("fashion", gray, 1, FashionMNISTStats(), []float32{(v/255.0 - 0.2860) / 0.3530})

	in := ImageNetStats()
	check("gray to rgb", gray, 3, in, []float32{
		(v/255.0 - 0.485) / 0.229, (v/255.0 - 0.456) / 0.224, (v/255.0 - 0.406) / 0.225})

	rgb := &Image{}
	rgb.Reset(3, 8, 8)
	for c, val := range []uint8{100, 150, 50} {
		p := rgb.Plane(c)
		for i := range p {
			p[i] = val
		}
	}
	luma := float32(math.Round(0.299*100+0.587*150+0.114*50)) / 255
	g, err := in.ForChannels(1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(g.Mean[0]-0.449)) > 1e-6 || math.Abs(float64(g.Std[0]-0.226)) > 1e-6 {
		t.Errorf("gray ImageNet stats %v", g)
	}
	check("rgb to gray", rgb, 1, g, []float32{(luma - g.Mean[0]) / g.Std[0]})

	x := []float32{0, 0.5, 1, 0.25, 0.75, 1, 0, 0.1, 0.2}
	y := append([]float32(nil), x...)
	in.Normalize(y)
	in.Denormalize(y)
	for i := range x {
		if math.Abs(float64(x[i]-y[i])) > 1e-6 {
			t.Fatalf("Denormalize(Normalize(x)) = %v, want %v", y, x)
		}
	}
}

// TestResampleMatchesCatmullRom compares the bicubic resampler with
// golang.org/x/image/draw's CatmullRom, the same kernel, on smooth
// pictures, shrinking and enlarging.
func TestResampleMatchesCatmullRom(t *testing.T) {
	const sw, sh = 60, 45
	src := image.NewGray(image.Rect(0, 0, sw, sh))
	for y := range sh {
		for x := range sw {
			src.Pix[y*sw+x] = uint8(127 + 100*math.Sin(float64(x)/7)*math.Cos(float64(y)/5))
		}
	}
	img := &Image{C: 1, H: sh, W: sw, Pix: src.Pix}
	for _, d := range [][2]int{{20, 15}, {37, 29}, {60, 45}, {90, 70}, {150, 120}} {
		dw, dh := d[0], d[1]
		ref := image.NewRGBA(image.Rect(0, 0, dw, dh))
		draw.CatmullRom.Scale(ref, ref.Bounds(), src, src.Bounds(), draw.Src, nil)
		var r resampler
		r.xt.compute(0, sw, dw, 0, dw)
		r.yt.compute(0, sh, dh, 0, dh)
		out := make([]float32, dw*dh)
		r.plane(out, img.Pix, sw)
		var worst float64
		for y := 2; y < dh-2; y++ { // edges are clipped slightly differently
			for x := 2; x < dw-2; x++ {
				diff := math.Abs(float64(out[y*dw+x]) - float64(ref.Pix[4*(y*dw+x)]))
				worst = max(worst, diff)
			}
		}
		t.Logf("%dx%d: worst difference %.3f levels", dw, dh, worst)
		if worst > 1.5 {
			t.Errorf("%dx%d: differs from x/image/draw by up to %.2f levels", dw, dh, worst)
		}
	}
}

func TestFlip(t *testing.T) {
	img := &Image{}
	img.Reset(1, 12, 12)
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	norm := MNISTStats()
	plain, _ := NewTransform(12, 1, AugmentNone, norm)
	want := make([]float32, 144)
	if err := plain.Apply(want, img, nil); err != nil {
		t.Fatal(err)
	}
	tr, _ := NewTransform(12, 1, AugmentMAE, norm)
	tr.Scale, tr.Ratio = [2]float64{1, 1}, [2]float64{1, 1} // always the whole picture
	out := make([]float32, 144)
	flips := 0
	for i := range 400 {
		rng := ItemRNG(3, 0, i)
		if err := tr.Apply(out, img, &rng); err != nil {
			t.Fatal(err)
		}
		flipped := out[0] == want[11]
		for y := range 12 {
			for x := range 12 {
				wx := x
				if flipped {
					wx = 11 - x
				}
				if out[y*12+x] != want[y*12+wx] {
					t.Fatalf("draw %d: pixel (%d,%d) = %v, want %v (flipped %v)", i, x, y, out[y*12+x], want[y*12+wx], flipped)
				}
			}
		}
		if flipped {
			flips++
		}
	}
	if flips < 160 || flips > 240 {
		t.Errorf("%d flips in 400 draws", flips)
	}
}

func TestItemRNG(t *testing.T) {
	a, b := ItemRNG(1, 2, 3), ItemRNG(1, 2, 3)
	if a.Uint64() != b.Uint64() {
		t.Error("ItemRNG is not deterministic")
	}
	if c := ItemRNG(1, 2, 4); c.Uint64() == a.Uint64() {
		t.Error("neighbouring items share a stream")
	}
}
