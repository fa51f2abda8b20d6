package ops

import (
	"fmt"
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// TestErfDevice checks erf_f32 (shaders/include/erf.glsl) on the device
// against math.Erf at every point of a dense grid in [−6, 6] (step 2⁻¹⁶,
// plus the float32 neighbours of each piece boundary) and at extremes:
//
//	|erf_f32(x) − erf(x)| ≤ 1e-7 + 2⁻²⁴·|erf(x)|
//
// with x the float32 input; it logs the largest absolute error.
func TestErfDevice(t *testing.T) {
	g := newGPU(t)
	var xs []float64
	for i := -6 << 16; i <= 6<<16; i++ {
		xs = append(xs, float64(i)/(1<<16))
	}
	for _, b := range []float32{0.6, 1.15, 2, 4} {
		for _, v := range []float32{b, -b} {
			xs = append(xs, float64(math.Nextafter32(v, 0)), float64(v), float64(math.Nextafter32(v, 2*v)))
		}
	}
	for _, v := range []float64{1e-30, 1e-20, 1e-10, 1e-5, 6.5, 10, 100, 1e10, 1e30, math.MaxFloat32, math.Inf(1)} {
		xs = append(xs, v, -v)
	}
	roundF32(xs)
	xB, yB := g.upload("x", xs), g.output("y", len(xs))
	g.run(func(r *vk.Recording) error { return g.o.erf(r, xB, yB, len(xs)) })
	got := g.download(yB, len(xs))
	worst, worstAt, worstRatio := 0.0, 0.0, 0.0
	for i, x := range xs {
		want := math.Erf(x)
		e := math.Abs(got[i] - want)
		bound := 1e-7 + math.Pow(2, -24)*math.Abs(want)
		if !(e <= bound) {
			t.Errorf("erf_f32(%g) = %.9g, want %.9g (error %.3g > %.3g)", x, got[i], want, e, bound)
		}
		if e > worst {
			worst, worstAt = e, x
		}
		worstRatio = math.Max(worstRatio, e/bound)
	}
	t.Logf("%s: erf_f32 max abs error %.3g at x = %.8g; max error/bound %.3f over %d points",
		g.d.Info.Name, worst, worstAt, worstRatio, len(xs))
}

// geluSizes covers 1, primes, non-multiples of 4 (scalar kernels) and
// multiples of 4 (vec4 kernels).
var geluSizes = []int{1, 3, 4, 17, 97, 256, 1000, 4099, 65536}

func TestGeluDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(501)
	for i, n := range geluSizes {
		grid := smallGrid(g, i)
		t.Run(fmt.Sprintf("n%d_%s", n, grid), func(t *testing.T) {
			x := randF32(rng, n, 4) // [−4, 4): both tails of erf
			dy := randF32(rng, n, 1)
			xB, dyB := g.upload("x", x), g.upload("dy", dy)
			y, dx := g.output("y", n), g.output("dx", n)
			g.run(func(r *vk.Recording) error {
				if err := g.o.Gelu(r, xB, y, n); err != nil {
					return err
				}
				return g.o.GeluBackward(r, xB, dyB, dx, n)
			})
			checkClose(t, "gelu", g.download(y, n), GeluRef(x), 1e-5)
			checkClose(t, "gelu backward", g.download(dx, n), GeluBackwardRef(x, dy), 1e-5)
		})
	}
	smallGrid(g, 0)
}

// TestGeluInPlace runs Gelu with y = x and GeluBackward with dx = dy.
func TestGeluInPlace(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(502)
	for _, n := range []int{7, 64} {
		x, dy := randF32(rng, n, 3), randF32(rng, n, 1)
		xB, x2B, dyB := g.upload("x", x), g.upload("x2", x), g.upload("dy", dy)
		g.run(func(r *vk.Recording) error {
			if err := g.o.GeluBackward(r, x2B, dyB, dyB, n); err != nil {
				return err
			}
			return g.o.Gelu(r, xB, xB, n)
		})
		checkClose(t, fmt.Sprintf("n%d gelu", n), g.download(xB, n), GeluRef(x), 1e-5)
		checkClose(t, fmt.Sprintf("n%d gelu backward", n), g.download(dyB, n), GeluBackwardRef(x, dy), 1e-5)
	}
}
