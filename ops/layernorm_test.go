package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// lnShapes: the MAE widths (32 … 1280), 1, 3 and primes (scalar kernels),
// rows longer than the register cache (1283 scalar, 4100 vec4), and row
// counts of 1, a few (several rows per workgroup) and enough for two
// blocks of dgamma/dbeta partial sums (> 32).
var lnShapes = []struct{ rows, dim int }{
	{1, 1}, {5, 1}, {3, 3}, {37, 32}, {70, 64}, {4, 97}, {33, 128}, {9, 768}, {3, 1024}, {5, 1280}, {2, 1283}, {2, 4100}, {200, 12},
}

func TestLayerNormDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(801)
	for i, s := range lnShapes {
		grid := smallGrid(g, i)
		t.Run(fmt.Sprintf("%dx%d_%s", s.rows, s.dim, grid), func(t *testing.T) {
			checkLayerNorm(t, g, rng, s.rows, s.dim)
		})
	}
	smallGrid(g, 0)
}

// TestLayerNormRowSplits forces the other ways of splitting a row: the
// shared-memory tree (no subgroups), the subgroup variant with more
// invocations per row than a subgroup has (its run-time fallback to the
// tree), and one invocation per row (long uncached tails).
func TestLayerNormRowSplits(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(803)
	sub := g.d.Info.SubgroupSize
	defer func() { lnShapeOverride = nil }()
	// One vec4 and one scalar shape per split: each new split and TPR is a
	// pipeline, and lavapipe compiles one in about half a second.
	for _, c := range []struct {
		name   string
		f      func(s *lnShape)
		shapes [][2]int
	}{
		{"tree", func(s *lnShape) { s.subgroup = false }, [][2]int{{9, 768}, {5, 97}}},
		{"tree_tpr16", func(s *lnShape) { s.subgroup, s.tpr = false, 16 }, [][2]int{{37, 32}}},
		{"sg_fallback", func(s *lnShape) { s.subgroup, s.tpr = true, 2*sub }, [][2]int{{5, 97}}},
		{"tpr1", func(s *lnShape) { s.tpr = 1 }, [][2]int{{2, 1283}}},
	} {
		lnShapeOverride = c.f
		for _, s := range c.shapes {
			t.Run(fmt.Sprintf("%s_%dx%d", c.name, s[0], s[1]), func(t *testing.T) {
				checkLayerNorm(t, g, rng, s[0], s[1])
			})
		}
	}
}

// checkLayerNorm runs LayerNorm and LayerNormBackward on fresh inputs of
// rows × dim and compares every output with the references.
func checkLayerNorm(t *testing.T, g *gpu, rng *rand.Rand, rows, dim int) {
	t.Helper()
	n := rows * dim
	// An offset of 3 on unit spread: a naive Σx² − (Σx)² loses digits.
	x := randF32(rng, n, 1)
	for j := range x {
		x[j] = float64(float32(3 + x[j]))
	}
	gamma, beta, dy := randF32(rng, dim, 1), randF32(rng, dim, 1), randF32(rng, n, 1)
	xB, gB, bB, dyB := g.upload("x", x), g.upload("gamma", gamma), g.upload("beta", beta), g.upload("dy", dy)
	y, mean, rstd := g.output("y", n), g.output("mean", rows), g.output("rstd", rows)
	dx, dgamma, dbeta := g.output("dx", n), g.output("dgamma", dim), g.output("dbeta", dim)
	work := g.output("work", LayerNormBackwardWorkFloats(rows, dim))
	g.run(func(r *vk.Recording) error {
		if err := g.o.LayerNorm(r, xB, gB, bB, y, mean, rstd, rows, dim, DefaultLNEps); err != nil {
			return err
		}
		return g.o.LayerNormBackward(r, xB, gB, mean, rstd, dyB, dx, dgamma, dbeta, work, rows, dim)
	})
	wantY, wantMean, wantRstd := LayerNormRef(x, gamma, beta, rows, dim, DefaultLNEps)
	checkClose(t, "y", g.download(y, n), wantY, 1e-5)
	checkClose(t, "mean", g.download(mean, rows), wantMean, 1e-5)
	checkClose(t, "rstd", g.download(rstd, rows), wantRstd, 1e-5)
	// The backward pass from the device's saved statistics, so that its
	// check does not include the forward's rounding.
	wantDx, wantDg, wantDb := LayerNormBackwardRef(x, gamma, g.download(mean, rows), g.download(rstd, rows), dy, rows, dim)
	checkClose(t, "dx", g.download(dx, n), wantDx, 1e-5)
	checkClose(t, "dgamma", g.download(dgamma, dim), wantDg, 1e-5)
	checkClose(t, "dbeta", g.download(dbeta, dim), wantDb, 1e-5)
}

// TestLayerNormBackwardDeterministic runs the backward pass twice: every
// bit of dx, dgamma and dbeta must agree.
func TestLayerNormBackwardDeterministic(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(802)
	const rows, dim = 300, 64
	x, gamma, beta, dy := randF32(rng, rows*dim, 1), randF32(rng, dim, 1), randF32(rng, dim, 1), randF32(rng, rows*dim, 1)
	xB, gB, bB, dyB := g.upload("x", x), g.upload("gamma", gamma), g.upload("beta", beta), g.upload("dy", dy)
	y, mean, rstd := g.output("y", rows*dim), g.output("mean", rows), g.output("rstd", rows)
	work := g.output("work", LayerNormBackwardWorkFloats(rows, dim))
	var runs [2][]float64
	for k := range runs {
		dx, dgamma, dbeta := g.output("dx", rows*dim), g.output("dgamma", dim), g.output("dbeta", dim)
		g.run(func(r *vk.Recording) error {
			if err := g.o.LayerNorm(r, xB, gB, bB, y, mean, rstd, rows, dim, DefaultLNEps); err != nil {
				return err
			}
			return g.o.LayerNormBackward(r, xB, gB, mean, rstd, dyB, dx, dgamma, dbeta, work, rows, dim)
		})
		runs[k] = append(append(g.download(dx, rows*dim), g.download(dgamma, dim)...), g.download(dbeta, dim)...)
	}
	for i := range runs[0] {
		if runs[0][i] != runs[1][i] {
			t.Fatalf("element %d differs between runs: %v, %v", i, runs[0][i], runs[1][i])
		}
	}
}
