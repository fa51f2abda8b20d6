package loader

import (
	"image"
	"image/color"
	"testing"
)

// TestYCbCrConversion checks the fast JPEG color conversion against
// image/color for every chroma subsampling, on whole and odd sub-images.
func TestYCbCrConversion(t *testing.T) {
	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	}
	for _, ratio := range ratios {
		m := image.NewYCbCr(image.Rect(0, 0, 23, 17), ratio)
		for i := range m.Y {
			m.Y[i] = uint8(i * 7)
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(i*13), uint8(255-i*5)
		}
		for _, img := range []*image.YCbCr{m, m.SubImage(image.Rect(3, 1, 20, 16)).(*image.YCbCr)} {
			var dst Image
			fromImage(&dst, img)
			b := img.Bounds()
			if dst.C != 3 || dst.W != b.Dx() || dst.H != b.Dy() {
				t.Fatalf("%v: shape %d×%d×%d", ratio, dst.C, dst.H, dst.W)
			}
			for y := range dst.H {
				for x := range dst.W {
					want := color.RGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.RGBA)
					i := y*dst.W + x
					got := [3]uint8{dst.Plane(0)[i], dst.Plane(1)[i], dst.Plane(2)[i]}
					for c, w := range [3]uint8{want.R, want.G, want.B} {
						if d := int(got[c]) - int(w); d < -1 || d > 1 {
							t.Fatalf("%v %v: pixel (%d,%d) = %v, want %v", ratio, b, x, y, got, want)
						}
					}
				}
			}
		}
	}
}

func TestDecodeGrayAndPaletted(t *testing.T) {
	g := image.NewGray(image.Rect(2, 3, 7, 9))
	for i := range g.Pix {
		g.Pix[i] = uint8(i)
	}
	var dst Image
	fromImage(&dst, g)
	if dst.C != 1 || dst.W != 5 || dst.H != 6 || dst.Pix[7] != 7 {
		t.Errorf("gray: %d×%d×%d %v", dst.C, dst.H, dst.W, dst.Pix[:8])
	}
	p := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.RGBA{1, 2, 3, 255}, color.RGBA{4, 5, 6, 255}})
	p.Pix[1] = 1
	fromImage(&dst, p)
	if dst.C != 3 || dst.Pix[0] != 1 || dst.Pix[1] != 4 || dst.Pix[2] != 2 || dst.Pix[5] != 6 {
		t.Errorf("paletted: %v", dst.Pix)
	}
}
