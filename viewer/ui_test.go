package viewer

import (
	"image"
	"image/color"
	"testing"
	"time"
)

// TestLineEnds checks that line ends at its end point for every direction
// and slope in a small square, drawing one pixel per step of the longer
// axis, all within the lines' bounding box.
func TestLineEnds(t *testing.T) {
	c := color.RGBA{255, 0, 0, 255}
	for x1 := -6; x1 <= 6; x1++ {
		for y1 := -6; y1 <= 6; y1++ {
			img := image.NewRGBA(image.Rect(-8, -8, 9, 9))
			done := make(chan struct{})
			go func() {
				line(img, 0, 0, x1, y1, c)
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("line to (%d, %d) did not end", x1, y1)
			}
			n := 0
			for y := -8; y <= 8; y++ {
				for x := -8; x <= 8; x++ {
					if img.RGBAAt(x, y) != c {
						continue
					}
					n++
					if x < min(0, x1) || x > max(0, x1) || y < min(0, y1) || y > max(0, y1) {
						t.Errorf("line to (%d, %d) drew (%d, %d), outside its box", x1, y1, x, y)
					}
				}
			}
			if want := max(abs(x1), abs(y1)) + 1; n != want || img.RGBAAt(x1, y1) != c {
				t.Errorf("line to (%d, %d): %d pixels (want %d), end drawn %v", x1, y1, n, want, img.RGBAAt(x1, y1) == c)
			}
		}
	}
}
