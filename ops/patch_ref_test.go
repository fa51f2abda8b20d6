package ops

import "testing"

func TestPatchifyRefOrder(t *testing.T) {
	// N=1, C=2, H=2, W=4, p=2: two patches side by side. Pixel values encode
	// their coordinates as c·100 + y·10 + x.
	n, c, h, w, p := 1, 2, 2, 4, 2
	img := make([]float64, n*c*h*w)
	for ch := 0; ch < c; ch++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				img[(ch*h+y)*w+x] = float64(ch*100 + y*10 + x)
			}
		}
	}
	got := PatchifyRef(img, n, c, h, w, p)
	// Patch 0 covers x in {0,1}, patch 1 x in {2,3}; inside a patch the order
	// is (row, col, channel).
	want := []float64{
		0, 100, 1, 101, 10, 110, 11, 111,
		2, 102, 3, 103, 12, 112, 13, 113,
	}
	checkClose(t, "patchify", got, want, 0)
}

func TestPatchifyRefPanicsOnIndivisible(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	PatchifyRef(make([]float64, 25), 1, 1, 5, 5, 2)
}
