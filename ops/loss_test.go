package ops

import (
	"fmt"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

func TestMaskedMSELossDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(501)
	worst := worstErrs{}
	defer worst.log(t, g.d.Info.Name)
	type shape struct{ n, l, p int }
	var shapes []shape
	for _, n := range []int{1, 3} {
		for _, l := range []int{4, 16, 49, 196} {
			for _, p := range []int{16, 48, 49, 768} {
				if n*l*p <= 200_000 || p == 768 {
					shapes = append(shapes, shape{n, l, p})
				}
			}
		}
	}
	shapes = append(shapes, shape{2, 3, 2}, shape{1, 1, 5})
	for i, s := range shapes {
		grid := smallGrid(g, i)
		for _, normPix := range []bool{false, true} {
			t.Run(fmt.Sprintf("N%d_L%d_P%d_norm%v_%s", s.n, s.l, s.p, normPix, grid), func(t *testing.T) {
				rows := s.n * s.l
				pred := randF32(rng, rows*s.p, 1)
				target := randF32(rng, rows*s.p, 2)
				// Constant patches (black borders) and an offset patch, where
				// a plain fp32 mean loses digits.
				for e := 0; e < s.p; e++ {
					target[e] = 0.25
					if rows > 2 {
						target[2*s.p+e] = 0
						target[s.p+e] = float64(float32(100 + 0.01*float64(e%7)))
					}
				}
				lk := s.l / 4
				_, _, mask := tokenMasking(rng, s.n, s.l, lk)
				wantLoss, wantD := MaskedMSELossRef(pred, target, mask, s.n, s.l, s.p, normPix)
				predB, targetB, maskB := g.upload("pred", pred), g.upload("target", target), g.upload("mask", mask)
				loss, dpred := g.output("loss", 1), g.output("dpred", rows*s.p)
				work := g.output("work", LossWorkFloats(s.n, s.l))
				g.run(func(r *vk.Recording) error {
					return g.o.MaskedMSELoss(r, predB, targetB, maskB, loss, dpred, work, s.n, s.l, s.p, normPix)
				})
				worst.check(t, fmt.Sprintf("loss (normPix %v)", normPix), g.download(loss, 1), []float64{wantLoss}, 1e-5)
				worst.check(t, fmt.Sprintf("dpred (normPix %v)", normPix), g.download(dpred, rows*s.p), wantD, 1e-5)
			})
		}
	}
}

func TestMaskedMSELossReplay(t *testing.T) {
	// One recording submitted again after new data: the loss follows the
	// data, and equal data give bit-equal losses (fixed-order sums).
	g := newGPU(t)
	rng := newTestRand(502)
	n, l, p := 3, 49, 48
	rows := n * l
	predB, targetB, maskB := g.output("pred", rows*p), g.output("target", rows*p), g.output("mask", rows)
	loss, dpred := g.output("loss", 1), g.output("dpred", rows*p)
	work := g.output("work", LossWorkFloats(n, l))
	r, err := g.d.NewRecording()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if err := g.o.MaskedMSELoss(r, predB, targetB, maskB, loss, dpred, work, n, l, p, true); err != nil {
		t.Fatal(err)
	}
	var prev float64
	for step := 0; step < 4; step++ {
		if step != 3 { // step 3 repeats step 2's data
			pred, target := randF32(rng, rows*p, 1), randF32(rng, rows*p, 1)
			_, _, mask := tokenMasking(rng, n, l, 12)
			for _, w := range []struct {
				b *vk.Buffer
				v []float64
			}{{predB, pred}, {targetB, target}, {maskB, mask}} {
				if err := w.b.WriteFloat32(0, toF32(w.v)); err != nil {
					t.Fatal(err)
				}
			}
			want, _ := MaskedMSELossRef(pred, target, mask, n, l, p, true)
			if err := r.Run(); err != nil {
				t.Fatal(err)
			}
			got := g.download(loss, 1)
			checkClose(t, fmt.Sprintf("loss step %d", step), got, []float64{want}, 1e-5)
			prev = got[0]
			continue
		}
		if err := r.Run(); err != nil {
			t.Fatal(err)
		}
		if got := g.download(loss, 1)[0]; got != prev {
			t.Errorf("loss on repeated data %v, first time %v", got, prev)
		}
	}
}
