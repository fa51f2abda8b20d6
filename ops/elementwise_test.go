package ops

import (
	"fmt"
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// ewSizes: 1, primes and non-multiples of 4 (scalar kernels), multiples of
// 4 (vec4 kernels).
var ewSizes = []int{1, 3, 4, 17, 97, 1024, 4099, 50000}

func TestAddScaleDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(701)
	for i, n := range ewSizes {
		grid := smallGrid(g, i)
		t.Run(fmt.Sprintf("n%d_%s", n, grid), func(t *testing.T) {
			x, y := randF32(rng, n, 1), randF32(rng, n, 2)
			const alpha = -0.37
			xB, yB := g.upload("x", x), g.upload("y", y)
			z, s := g.output("z", n), g.output("s", n)
			g.run(func(r *vk.Recording) error {
				if err := g.o.Add(r, xB, yB, z, n); err != nil {
					return err
				}
				return g.o.Scale(r, xB, s, n, alpha)
			})
			checkClose(t, "add", g.download(z, n), AddRef(x, y), 1e-6)
			checkClose(t, "scale", g.download(s, n), ScaleRef(x, float64(float32(alpha))), 1e-6)
		})
	}
	smallGrid(g, 0)
}

// TestAddInPlace runs Add with z = x and Scale with y = x.
func TestAddInPlace(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(702)
	const n = 103
	x, y := randF32(rng, n, 1), randF32(rng, n, 1)
	xB, yB := g.upload("x", x), g.upload("y", y)
	g.run(func(r *vk.Recording) error {
		if err := g.o.Add(r, xB, yB, xB, n); err != nil {
			return err
		}
		return g.o.Scale(r, xB, xB, n, 2)
	})
	checkClose(t, "2·(x + y)", g.download(xB, n), ScaleRef(AddRef(x, y), 2), 1e-6)
}

// bcastShapes: B, L, D and the table offset; tableOff = D is the patch
// tokens' slice pos_embed[1:] of MAE.
var bcastShapes = []struct{ b, l, d, off int }{
	{1, 1, 1, 0}, {2, 3, 5, 0}, {5, 7, 3, 3}, {3, 16, 32, 32}, {2, 49, 64, 0}, {40, 4, 8, 8}, {70, 5, 7, 7}, {2, 196, 128, 128},
}

func TestBroadcastAddDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(703)
	for i, s := range bcastShapes {
		grid := smallGrid(g, i)
		t.Run(fmt.Sprintf("B%d_L%d_D%d_off%d_%s", s.b, s.l, s.d, s.off, grid), func(t *testing.T) {
			n, period := s.b*s.l*s.d, s.l*s.d
			x, table := randF32(rng, n, 1), randF32(rng, s.off+period, 1)
			xB, inPlace, tableB := g.upload("x", x), g.upload("x2", x), g.upload("table", table)
			y := g.output("y", n)
			g.run(func(r *vk.Recording) error {
				if err := g.o.BroadcastAdd(r, xB, tableB, y, s.b, s.l, s.d, s.off); err != nil {
					return err
				}
				return g.o.BroadcastAdd(r, inPlace, tableB, inPlace, s.b, s.l, s.d, s.off)
			})
			want := BroadcastAddRef(x, table[s.off:], s.b, s.l, s.d)
			checkClose(t, "y", g.download(y, n), want, 1e-6)
			checkClose(t, "in place", g.download(inPlace, n), want, 1e-6)
		})
	}
	smallGrid(g, 0)
}

// TestCopyRowsDevice assembles MAE's encoder input: the class row (one
// source row repeated, srcStride 0) in front of each sample's visible
// tokens, then takes it apart again (dropping the class row), on vec4 and
// scalar shapes.
func TestCopyRowsDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(704)
	for i, s := range []struct{ n, lk, d int }{{1, 1, 1}, {2, 3, 5}, {3, 49, 32}, {4, 12, 97}, {2, 50, 128}} {
		grid := smallGrid(g, i)
		t.Run(fmt.Sprintf("N%d_Lk%d_D%d_%s", s.n, s.lk, s.d, grid), func(t *testing.T) {
			n, lk, d := s.n, s.lk, s.d
			cls, vis := randF32(rng, d, 1), randF32(rng, n*lk*d, 1)
			clsB, visB := g.upload("cls", cls), g.upload("vis", vis)
			x, back := g.output("x", n*(1+lk)*d), g.output("back", n*lk*d)
			g.run(func(r *vk.Recording) error {
				if err := g.o.CopyRows(r, clsB, x, n, d, 0, 0, (1+lk)*d, 0); err != nil {
					return err
				}
				if err := g.o.CopyRows(r, visB, x, n, lk*d, lk*d, 0, (1+lk)*d, d); err != nil {
					return err
				}
				return g.o.CopyRows(r, x, back, n, lk*d, (1+lk)*d, d, lk*d, 0)
			})
			want := make([]float64, 0, n*(1+lk)*d)
			for k := 0; k < n; k++ {
				want = append(append(want, cls...), vis[k*lk*d:(k+1)*lk*d]...)
			}
			checkClose(t, "cat(cls, vis)", g.download(x, n*(1+lk)*d), want, 0)
			checkClose(t, "x[:, 1:]", g.download(back, n*lk*d), vis, 0)
		})
	}
	smallGrid(g, 0)
}

// checkAllNaN fails unless every value is still the NaN poison (nothing
// was written there).
func checkAllNaN(t *testing.T, what string, v []float64) {
	t.Helper()
	for i, x := range v {
		if !math.IsNaN(x) {
			t.Errorf("%s: element %d = %v was written", what, i, x)
			return
		}
	}
}
