package main

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"math/bits"
	"os"
)

// readXWD decodes a screen dump written by xwd (X Window Dump, version 7,
// ZPixmap, 24 or 32 bits per pixel, true colour) into an RGBA image.
func readXWD(path string) (*image.RGBA, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 100 {
		return nil, fmt.Errorf("%s: %d bytes, too short for an XWD header", path, len(b))
	}
	h := make([]uint32, 25)
	for i := range h {
		h[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	hdrSize, version, format := h[0], h[1], h[2]
	width, height, byteOrder, bpp, bpl := h[4], h[5], h[7], h[11], h[12]
	rMask, gMask, bMask, ncolors := h[14], h[15], h[16], h[19]
	if version != 7 || format != 2 || (bpp != 32 && bpp != 24) {
		return nil, fmt.Errorf("%s: XWD version %d format %d at %d bits per pixel: want 7, ZPixmap (2), 24 or 32", path, version, format, bpp)
	}
	off := int(hdrSize) + 12*int(ncolors)
	if len(b) < off+int(height*bpl) {
		return nil, fmt.Errorf("%s: %d bytes, the header promises %d", path, len(b), off+int(height*bpl))
	}
	img := image.NewRGBA(image.Rect(0, 0, int(width), int(height)))
	chanOf := func(v, mask uint32) uint8 { return uint8((v & mask) >> bits.TrailingZeros32(mask)) }
	step := int(bpp / 8)
	for y := range int(height) {
		line := b[off+y*int(bpl):]
		for x := range int(width) {
			p := line[x*step : x*step+step]
			var v uint32
			if byteOrder == 0 { // LSBFirst
				for i := step - 1; i >= 0; i-- {
					v = v<<8 | uint32(p[i])
				}
			} else {
				for i := range step {
					v = v<<8 | uint32(p[i])
				}
			}
			img.SetRGBA(x, y, color.RGBA{chanOf(v, rMask), chanOf(v, gMask), chanOf(v, bMask), 255})
		}
	}
	return img, nil
}
