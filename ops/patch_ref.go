package ops

import "fmt"

// patchGrid checks an image shape and returns the patch grid (rows, cols).
func patchGrid(fn string, ln, n, c, h, w, p int) (gh, gw int) {
	if p < 1 || h%p != 0 || w%p != 0 {
		panic(fmt.Sprintf("ops: %s: image %d×%d not divisible by patch %d", fn, h, w, p))
	}
	checkLen(fn, "images", ln, n, c, h, w)
	return h / p, w / p
}

// PatchifyRef cuts images [N, C, H, W] into non-overlapping p×p patches and
// returns them as [N, L, p·p·C] with L = (H/p)·(W/p), patches in row-major
// grid order and each patch vector ordered (row in patch, column in patch,
// channel), as the reference's reshape(N,C,h,p,w,p), einsum
// 'nchpwq->nhwpqc', reshape(N, h·w, p·p·C):
//
//	y[n, gy·(W/p) + gx, (r·p + q)·C + c] = img[n, c, gy·p + r, gx·p + q]
//
// It panics if H or W is not a multiple of p or len(img) != N·C·H·W.
func PatchifyRef(img []float64, n, c, h, w, p int) []float64 {
	gh, gw := patchGrid("PatchifyRef", len(img), n, c, h, w, p)
	y := make([]float64, len(img))
	for i := range y {
		y[i] = img[patchSource(i, c, h, w, p, gh, gw)]
	}
	return y
}

// patchSource maps a flat index of the patchified [N, L, p·p·C] array to the
// flat index of the same pixel in [N, C, H, W].
func patchSource(i, c, h, w, p, gh, gw int) int {
	pd := p * p * c
	per := gh * gw * pd
	n, rest := i/per, i%per
	tok, e := rest/pd, rest%pd
	gy, gx := tok/gw, tok%gw
	r, q, ch := e/(p*c), (e/c)%p, e%c
	return ((n*c+ch)*h+gy*p+r)*w + gx*p + q
}
