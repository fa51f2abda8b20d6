package loader

import (
	"bytes"
	"fmt"
	"image"
	"image/color"

	// Decoders for the picture formats image folders may hold.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/webp"
)

// maxPixels bounds the size of a picture in an image folder (256
// megapixels), so that one odd file cannot exhaust memory.
const maxPixels = 1 << 28

// decodeImage decodes a picture file's bytes (any registered format,
// recognized by content rather than name) into dst: one plane for gray
// pictures, three RGB planes otherwise. Alpha is dropped, as PIL's
// convert("RGB") does.
func decodeImage(dst *Image, data []byte) error {
	if len(data) == 0 {
		return fmt.Errorf("empty file (0 bytes)")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not a readable picture: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return fmt.Errorf("%s picture of %d×%d pixels: empty or too large", format, cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("decode %s: %w", format, err)
	}
	fromImage(dst, img)
	return nil
}

// fromImage converts img to planar 8-bit samples in dst, with fast paths
// for the types the decoders return.
func fromImage(dst *Image, img image.Image) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.Gray:
		dst.Reset(1, h, w)
		for y := range h {
			copy(dst.Pix[y*w:(y+1)*w], m.Pix[y*m.Stride:])
		}
	case *image.Gray16:
		dst.Reset(1, h, w)
		for y := range h {
			row := m.Pix[y*m.Stride:]
			for x := range w {
				dst.Pix[y*w+x] = row[2*x]
			}
		}
	case *image.YCbCr:
		dst.Reset(3, h, w)
		ycbcrToPlanar(dst, m)
	case *image.NRGBA:
		dst.Reset(3, h, w)
		interleavedToPlanar(dst, m.Pix, m.Stride, w, h)
	case *image.RGBA:
		if m.Opaque() {
			dst.Reset(3, h, w)
			interleavedToPlanar(dst, m.Pix, m.Stride, w, h)
			return
		}
		genericToPlanar(dst, img)
	case *image.Paletted:
		dst.Reset(3, h, w)
		var pal [256][3]uint8
		for i, c := range m.Palette {
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			pal[i] = [3]uint8{n.R, n.G, n.B}
		}
		r, g, bl := dst.Plane(0), dst.Plane(1), dst.Plane(2)
		for y := range h {
			row := m.Pix[y*m.Stride:]
			for x := range w {
				p := pal[row[x]]
				r[y*w+x], g[y*w+x], bl[y*w+x] = p[0], p[1], p[2]
			}
		}
	default:
		genericToPlanar(dst, img)
	}
}

// interleavedToPlanar splits 4-byte RGBA pixels into three planes.
func interleavedToPlanar(dst *Image, pix []uint8, stride, w, h int) {
	r, g, b := dst.Plane(0), dst.Plane(1), dst.Plane(2)
	for y := range h {
		row := pix[y*stride:]
		for x := range w {
			r[y*w+x], g[y*w+x], b[y*w+x] = row[4*x], row[4*x+1], row[4*x+2]
		}
	}
}

// genericToPlanar converts any image through color.NRGBA (straight, not
// premultiplied, colors).
func genericToPlanar(dst *Image, img image.Image) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dst.Reset(3, h, w)
	r, g, bl := dst.Plane(0), dst.Plane(1), dst.Plane(2)
	for y := range h {
		for x := range w {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			r[y*w+x], g[y*w+x], bl[y*w+x] = c.R, c.G, c.B
		}
	}
}

// ycbcrToPlanar converts a JPEG's YCbCr picture to RGB planes with the
// JFIF equations in 16.16 fixed point:
//
//	R = Y + 1.402 (Cr-128)
//	G = Y - 0.344136 (Cb-128) - 0.714136 (Cr-128)
//	B = Y + 1.772 (Cb-128)
//
// walking each row directly instead of calling YCbCr.At per pixel.
func ycbcrToPlanar(dst *Image, m *image.YCbCr) {
	b := m.Rect
	w, h := b.Dx(), b.Dy()
	var hs uint // horizontal chroma subsampling shift
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420:
		hs = 1
	case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
		hs = 2
	}
	r, g, bl := dst.Plane(0), dst.Plane(1), dst.Plane(2)
	x0 := b.Min.X
	for y := range h {
		yi := m.YOffset(x0, b.Min.Y+y)
		ci := m.COffset(x0, b.Min.Y+y)
		yrow := m.Y[yi : yi+w]
		// Chroma samples cover x0 >> hs onwards; x0 may be odd in a sub-image.
		cshift := x0 - (x0>>hs)<<hs
		cn := (cshift+w-1)>>hs + 1
		cb, cr := m.Cb[ci:ci+cn], m.Cr[ci:ci+cn]
		ro, go_, bo := r[y*w:(y+1)*w], g[y*w:(y+1)*w], bl[y*w:(y+1)*w]
		for x, yy := range yrow {
			c := (cshift + x) >> hs
			ro[x], go_[x], bo[x] = jfifToRGB(int32(yy), int32(cb[c])-128, int32(cr[c])-128)
		}
	}
}

// jfifToRGB converts one YCbCr sample (chroma already centered on 0).
func jfifToRGB(y, cb, cr int32) (uint8, uint8, uint8) {
	y1 := y<<16 + 1<<15 // rounding
	return clamp8(y1 + 91881*cr), clamp8(y1 - 22554*cb - 46802*cr), clamp8(y1 + 116130*cb)
}

func clamp8(v int32) uint8 {
	v >>= 16
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}
