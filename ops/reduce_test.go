package ops

import (
	"fmt"
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

func TestMeanDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(601)
	for i, n := range []int{1, 3, 4, 97, 255, 1024, 10007, 1<<16 + 4} {
		grid := smallGrid(g, i)
		t.Run(fmt.Sprintf("n%d_%s", n, grid), func(t *testing.T) {
			// Mean 0.25, so that the sums do not cancel to nothing.
			x := randF32(rng, n, 1)
			for j := range x {
				x[j] = float64(float32(x[j] + 0.25))
			}
			xB, mean, work := g.upload("x", x), g.output("mean", 1), g.output("work", ReduceWorkFloats)
			g.run(func(r *vk.Recording) error { return g.o.Mean(r, xB, mean, work, n) })
			got, want := g.download(mean, 1)[0], MeanRef(x)
			if e := math.Abs(got-want) / math.Abs(want); !(e < 1e-5) {
				t.Errorf("mean = %.9g, want %.9g (relative error %.3g)", got, want, e)
			}
		})
	}
	smallGrid(g, 0)
}

// TestMeanEmpty: the mean of nothing is NaN, as MeanRef's.
func TestMeanEmpty(t *testing.T) {
	g := newGPU(t)
	// mean starts at 7, not the NaN that outputs are filled with.
	xB, mean, work := g.upload("x", []float64{1}), g.upload("mean", []float64{7}), g.output("work", ReduceWorkFloats)
	g.run(func(r *vk.Recording) error { return g.o.Mean(r, xB, mean, work, 0) })
	if m := g.download(mean, 1)[0]; !math.IsNaN(m) {
		t.Errorf("mean of nothing = %v, want NaN", m)
	}
}

// colShapes: one pass (rows ≤ 32) and two, columns 1, primes, multiples of
// 4 (vec4) and the MAE widths.
var colShapes = []struct{ rows, cols int }{
	{1, 1}, {1, 5}, {3, 7}, {32, 768}, {33, 4}, {64, 3}, {197, 97}, {300, 64}, {1000, 1}, {2048, 128}, {2500, 1280},
}

func TestColumnSumsDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(602)
	for i, s := range colShapes {
		grid := smallGrid(g, i)
		t.Run(fmt.Sprintf("%dx%d_%s", s.rows, s.cols, grid), func(t *testing.T) {
			x := randF32(rng, s.rows*s.cols, 1)
			xB, out := g.upload("x", x), g.output("out", s.cols)
			work := g.output("work", ColumnSumsWorkFloats(s.rows, s.cols))
			g.run(func(r *vk.Recording) error { return g.o.ColumnSums(r, xB, out, work, s.rows, s.cols) })
			checkClose(t, "column sums", g.download(out, s.cols), BiasGradRef(x, s.rows, s.cols), 1e-5)
		})
	}
	smallGrid(g, 0)
}

// TestStridedColumnSumsDevice sums a column block of a wider matrix (the
// class-token gradient: row 0 of every sample) into the middle of out.
func TestStridedColumnSumsDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(603)
	for _, s := range []struct{ rows, cols, ld, xOff, outOff int }{
		{5, 32, 32 * 50, 0, 0}, {70, 8, 20, 4, 8}, {40, 7, 9, 1, 3}, {3, 1, 1, 2, 1},
	} {
		t.Run(fmt.Sprintf("%dx%d_ld%d_off%d_%d", s.rows, s.cols, s.ld, s.xOff, s.outOff), func(t *testing.T) {
			x := randF32(rng, s.xOff+(s.rows-1)*s.ld+s.cols, 1)
			want := make([]float64, s.cols)
			for i := 0; i < s.rows; i++ {
				for j := range want {
					want[j] += x[s.xOff+i*s.ld+j]
				}
			}
			xB, out := g.upload("x", x), g.output("out", s.outOff+s.cols+2)
			work := g.output("work", ColumnSumsWorkFloats(s.rows, s.cols))
			g.run(func(r *vk.Recording) error {
				return g.o.StridedColumnSums(r, xB, out, work, s.rows, s.cols, s.ld, s.xOff, s.outOff)
			})
			got := g.download(out, s.outOff+s.cols+2)
			checkClose(t, "column sums", got[s.outOff:s.outOff+s.cols], want, 1e-5)
			for _, j := range []int{s.outOff - 1, s.outOff + s.cols} {
				if j >= 0 && !math.IsNaN(got[j]) {
					t.Errorf("out[%d] = %v written outside [%d, %d)", j, got[j], s.outOff, s.outOff+s.cols)
				}
			}
		})
	}
}
