package loader

import "math"

// bicubic is the cubic convolution kernel with a = -0.5 (Keys;
// Catmull-Rom), the one PIL's BICUBIC and x/image/draw.CatmullRom use.
func bicubic(x float64) float64 {
	const a = -0.5
	x = math.Abs(x)
	switch {
	case x < 1:
		return ((a+2)*x-(a+3))*x*x + 1
	case x < 2:
		return (((x-5)*x+8)*x - 4) * a
	}
	return 0
}

// taps are the filter weights of one axis: output i is the sum over
// k < count[i] of w[i*stride+k] times source sample start[i]+k.
type taps struct {
	start, count []int32
	w            []float32
	stride       int
}

// tapsStride is the longest window compute uses when length source samples
// are resized to out.
func tapsStride(length, out int) int {
	scale := max(float64(length)/float64(out), 1)
	return int(math.Ceil(2*2*scale)) + 2
}

// compute fills t for resizing the source span [lo, lo+length) (the crop)
// to out samples, of which the n from first on are wanted. It follows PIL's
// resampling: output i is centered at (first+i+0.5)*length/out; when
// shrinking, the kernel is widened by the scale factor (antialiasing); the
// window is clipped to the span and the weights renormalized. A span
// resized to its own length gives the identity.
func (t *taps) compute(lo, length, out, first, n int) {
	scale := float64(length) / float64(out)
	fs := max(scale, 1)
	support := 2 * fs
	t.stride = tapsStride(length, out)
	t.start = grow(t.start, n)
	t.count = grow(t.count, n)
	t.w = grow(t.w, n*t.stride)
	for i := range n {
		center := (float64(first+i) + 0.5) * scale
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), length)
		if length == out {
			xmin, xmax = first+i, first+i+1
		}
		ws := t.w[i*t.stride : (i+1)*t.stride]
		var sum float64
		for x := xmin; x < xmax; x++ {
			v := bicubic((float64(x) - center + 0.5) / fs)
			ws[x-xmin] = float32(v)
			sum += v
		}
		if sum != 0 {
			inv := float32(1 / sum)
			for k := range xmax - xmin {
				ws[k] *= inv
			}
		}
		t.start[i] = int32(lo + xmin)
		t.count[i] = int32(xmax - xmin)
	}
}

// grow returns s resized to n, reusing its memory when it is large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// resampler resizes 8-bit planes with separable bicubic filtering; it keeps
// its scratch between calls so steady-state use allocates nothing.
type resampler struct {
	xt, yt taps
	tmp    []float32
	row    []float32 // one source row as floats
}

// plane writes into dst (len(yt.start) rows of len(xt.start) values, in
// the 0..255 scale) the resampled src, a plane srcW samples wide. Rows are
// filtered first, then columns, as PIL does.
func (r *resampler) plane(dst []float32, src []uint8, srcW int) {
	nx, ny := len(r.xt.start), len(r.yt.start)
	row0 := int(r.yt.start[0])
	row1 := int(r.yt.start[ny-1] + r.yt.count[ny-1])
	r.tmp = grow(r.tmp, (row1-row0)*nx)
	xt := &r.xt
	// Only the source columns the taps reach are converted to float.
	col0 := int(xt.start[0])
	col1 := int(xt.start[nx-1] + xt.count[nx-1])
	r.row = grow(r.row, col1-col0)
	for y := row0; y < row1; y++ {
		for x, v := range src[y*srcW+col0 : y*srcW+col1] {
			r.row[x] = float32(v)
		}
		out := r.tmp[(y-row0)*nx : (y-row0+1)*nx]
		for i := range out {
			s, c := int(xt.start[i])-col0, int(xt.count[i])
			px := r.row[s : s+c]
			ws := xt.w[i*xt.stride:][:len(px)]
			var acc float32
			for k, p := range px {
				acc += ws[k] * p
			}
			out[i] = acc
		}
	}
	yt := &r.yt
	for j := range ny {
		out := dst[j*nx : (j+1)*nx]
		clear(out)
		s, c := int(yt.start[j]), int(yt.count[j])
		for k, w := range yt.w[j*yt.stride : j*yt.stride+c] {
			in := r.tmp[(s+k-row0)*nx : (s+k-row0+1)*nx]
			for i, v := range in {
				out[i] += w * v
			}
		}
	}
}
