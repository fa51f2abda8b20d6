package ops

import (
	"fmt"
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// Device tests of the fine-tuning ops: soft-target cross-entropy, drop
// path, mean pooling and the classification head, each against its CPU
// reference on awkward shapes, outputs poisoned with NaN.

func TestSoftCrossEntropyDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(1511)
	for _, sh := range [][2]int{{1, 1}, {1, 10}, {7, 3}, {33, 10}, {257, 13}, {300, 1000}} {
		n, c := sh[0], sh[1]
		t.Run(fmt.Sprintf("n%d_c%d", n, c), func(t *testing.T) {
			z := randF32(rng, n*c, 8)
			labels := make([]int, n)
			for i := range labels {
				labels[i] = rng.IntN(c)
			}
			tg := roundF32(SoftTargets(labels, c, 0.1))
			if n > 1 { // a mixed row: λ·a + (1−λ)·b
				for k := 0; k < c; k++ {
					tg[k] = float64(float32(0.3*tg[k] + 0.7*tg[c+k]))
				}
			}
			zB, tB := g.upload("logits", z), g.upload("target", tg)
			loss, dz, work := g.output("loss", 1), g.output("dlogits", n*c), g.output("work", n)
			g.run(func(r *vk.Recording) error { return g.o.SoftCrossEntropy(r, zB, tB, loss, dz, work, n, c) })
			wantL, wantD := SoftCrossEntropyRef(z, tg, n, c)
			checkClose(t, "loss", g.download(loss, 1), []float64{wantL}, 1e-5)
			checkClose(t, "dlogits", g.download(dz, n*c), wantD, 1e-5)
		})
	}
}

// TestSoftCrossEntropyLargeLogits checks the max shift: logits of ±80
// overflow exp in float32 without it.
func TestSoftCrossEntropyLargeLogits(t *testing.T) {
	g := newGPU(t)
	z := []float64{80, -80, 79, 0, 88, 87}
	tg := []float64{0, 0, 1, 0.5, 0.5, 0}
	zB, tB := g.upload("logits", z), g.upload("target", tg)
	loss, dz, work := g.output("loss", 1), g.output("dlogits", 6), g.output("work", 2)
	g.run(func(r *vk.Recording) error { return g.o.SoftCrossEntropy(r, zB, tB, loss, dz, work, 2, 3) })
	wantL, wantD := SoftCrossEntropyRef(z, tg, 2, 3)
	checkClose(t, "loss", g.download(loss, 1), []float64{wantL}, 1e-5)
	checkClose(t, "dlogits", g.download(dz, 6), wantD, 1e-5)
}

func TestDropPathDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(1512)
	for _, sh := range [][2]int{{1, 1}, {3, 5}, {8, 17 * 33}, {5, 4099}} {
		n, per := sh[0], sh[1]
		t.Run(fmt.Sprintf("n%d_r%d", n, per), func(t *testing.T) {
			x, b, dy := randF32(rng, n*per, 2), randF32(rng, n*per, 2), randF32(rng, n*per, 1)
			u := make([]float64, n)
			for i := range u {
				u[i] = rng.Float64()
			}
			s := roundF32(DropPathScales(u, 0.4))
			xB, bB, dyB, sB := g.upload("x", x), g.upload("b", b), g.upload("dy", dy), g.upload("scale", s)
			y, db := g.output("y", n*per), g.output("db", n*per)
			g.run(func(r *vk.Recording) error {
				if err := g.o.DropPath(r, xB, bB, sB, y, n, per); err != nil {
					return err
				}
				return g.o.DropPathBackward(r, dyB, sB, db, n, per)
			})
			checkClose(t, "y", g.download(y, n*per), DropPathRef(x, b, s, n, per), 1e-6)
			checkClose(t, "db", g.download(db, n*per), DropPathBackwardRef(dy, s, n, per), 1e-6)
		})
	}
}

func TestMeanPoolDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(1513)
	for _, sh := range [][4]int{{1, 2, 1, 1}, {3, 50, 17, 1}, {5, 7, 64, 0}, {2, 197, 33, 1}} {
		n, tk, d, skip := sh[0], sh[1], sh[2], sh[3]
		t.Run(fmt.Sprintf("n%d_t%d_d%d_skip%d", n, tk, d, skip), func(t *testing.T) {
			x, dy := randF32(rng, n*tk*d, 3), randF32(rng, n*d, 1)
			xB, dyB := g.upload("x", x), g.upload("dy", dy)
			y, dx := g.output("y", n*d), g.output("dx", n*tk*d)
			g.run(func(r *vk.Recording) error {
				if err := g.o.MeanPool(r, xB, y, n, tk, d, skip); err != nil {
					return err
				}
				return g.o.MeanPoolBackward(r, dyB, dx, n, tk, d, skip)
			})
			checkClose(t, "y", g.download(y, n*d), MeanPoolRef(x, n, tk, d, skip), 1e-6)
			checkClose(t, "dx", g.download(dx, n*tk*d), MeanPoolBackwardRef(dy, n, tk, d, skip), 1e-6)
		})
	}
}

func TestClassifierHeadDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(1514)
	for _, sh := range [][4]int{{1, 2, 4, 1}, {5, 17, 24, 10}, {40, 50, 64, 13}} {
		n, tk, d, c := sh[0], sh[1], sh[2], sh[3]
		t.Run(fmt.Sprintf("n%d_t%d_d%d_c%d", n, tk, d, c), func(t *testing.T) {
			x, nw, nb := randF32(rng, n*tk*d, 2), randF32(rng, d, 1), randF32(rng, d, 0.5)
			hw, hb, dl := randF32(rng, c*d, 0.3), randF32(rng, c, 0.1), randF32(rng, n*c, 1)
			for i := range nw {
				nw[i] += 1
			}
			lnw, colw := HeadWorkFloats(n, d, c)
			b := HeadBuffers{
				X: g.upload("x", x), NormW: g.upload("fc_norm.weight", nw), NormB: g.upload("fc_norm.bias", nb),
				HeadW: g.upload("head.weight", hw), HeadB: g.upload("head.bias", hb),
				Pooled: g.output("pooled", n*d), Normed: g.output("normed", n*d), Mean: g.output("mean", n), Rstd: g.output("rstd", n),
				Logits: g.output("logits", n*c), DLogits: g.upload("dlogits", dl),
				DNormed: g.output("dnormed", n*d), DPooled: g.output("dpooled", n*d), DX: g.output("dx", n*tk*d),
				DNormW: g.output("dnw", d), DNormB: g.output("dnb", d), DHeadW: g.output("dhw", c*d), DHeadB: g.output("dhb", c),
				LNWork: g.output("lnwork", lnw), ColWork: g.output("colwork", colw),
			}
			g.run(func(r *vk.Recording) error {
				if err := g.o.ClassifierHead(r, b, n, tk, d, c, 1e-6); err != nil {
					return err
				}
				return g.o.ClassifierHeadBackward(r, b, n, tk, d, c)
			})
			logits, cache := ClassifierHeadRef(x, nw, nb, hw, hb, n, tk, d, c, 1e-6)
			gr := ClassifierHeadBackwardRef(cache, nw, hw, dl, n, tk, d, c)
			dl64 := func(v vk.Binding, k int) []float64 { return g.download(v.(*vk.Buffer), k) }
			checkClose(t, "logits", dl64(b.Logits, n*c), logits, 1e-5)
			checkClose(t, "dx", dl64(b.DX, n*tk*d), gr.DX, 1e-4)
			checkClose(t, "d fc_norm.weight", dl64(b.DNormW, d), gr.DNormW, 1e-4)
			checkClose(t, "d fc_norm.bias", dl64(b.DNormB, d), gr.DNormB, 1e-4)
			checkClose(t, "d head.weight", dl64(b.DHeadW, c*d), gr.DHeadW, 1e-4)
			checkClose(t, "d head.bias", dl64(b.DHeadB, c), gr.DHeadB, 1e-4)
			if math.IsNaN(gr.DX[0]) {
				t.Fatal("reference NaN")
			}
		})
	}
}
