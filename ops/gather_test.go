package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// tokenMasking draws MAE's random masking for n samples of l tokens keeping
// lk: idsKeep [N, Lk] (the first lk of a random permutation), idsRestore
// [N, L] (its inverse) and mask [N, L] (1 = removed).
func tokenMasking(rng *rand.Rand, n, l, lk int) (idsKeep, idsRestore []int32, mask []float64) {
	idsKeep = make([]int32, n*lk)
	idsRestore = make([]int32, n*l)
	mask = make([]float64, n*l)
	for s := 0; s < n; s++ {
		perm := rng.Perm(l)
		for i, j := range perm {
			idsRestore[s*l+j] = int32(i)
			if i < lk {
				idsKeep[s*lk+i] = int32(j)
			} else {
				mask[s*l+j] = 1
			}
		}
	}
	return idsKeep, idsRestore, mask
}

// tokenShape is one test shape of the token ops.
type tokenShape struct{ n, l, lk, d int }

func (s tokenShape) String() string { return fmt.Sprintf("N%d_L%d_Lk%d_D%d", s.n, s.l, s.lk, s.d) }

// tokenShapes: N ∈ {1, 3}, L ∈ {4, 16, 49, 196} with Lk = ⌊L/4⌋, D ∈ {16,
// 48, 49, 768} (not every combination at the largest sizes), and the edge
// cases Lk = 0, Lk = L, D = 1.
func tokenShapes() []tokenShape {
	var shapes []tokenShape
	for _, n := range []int{1, 3} {
		for _, l := range []int{4, 16, 49, 196} {
			for _, d := range []int{16, 48, 49, 768} {
				if n*l*d > 200_000 && d != 768 {
					continue
				}
				shapes = append(shapes, tokenShape{n, l, int(float64(l) * 0.25), d})
			}
		}
	}
	return append(shapes, tokenShape{2, 5, 0, 3}, tokenShape{2, 5, 5, 3}, tokenShape{3, 7, 2, 1})
}

func TestGatherTokensDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(401)
	for i, s := range tokenShapes() {
		grid := smallGrid(g, i)
		t.Run(s.String()+"_"+grid, func(t *testing.T) {
			keep, _, _ := tokenMasking(rng, s.n, s.l, s.lk)
			x := randF32(rng, s.n*s.l*s.d, 1)
			xB, keepB := g.upload("x", x), g.uploadInt32("idsKeep", keep)
			y := g.output("y", s.n*s.lk*s.d)
			g.run(func(r *vk.Recording) error {
				return g.o.GatherTokens(r, xB, keepB, y, s.n, s.l, s.lk, s.d)
			})
			if s.lk > 0 {
				checkSameElems(t, "y", g.download(y, s.n*s.lk*s.d), GatherTokensRef(x, keep, s.n, s.l, s.lk, s.d))
			}
		})
	}
}

func TestUnshuffleDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(402)
	worst := worstErrs{}
	defer worst.log(t, g.d.Info.Name)
	for i, s := range tokenShapes() {
		grid := smallGrid(g, i)
		t.Run(s.String()+"_"+grid, func(t *testing.T) {
			_, restore, _ := tokenMasking(rng, s.n, s.l, s.lk)
			x := randF32(rng, s.n*(1+s.lk)*s.d, 1)
			mask := randF32(rng, s.d, 1)
			dy := randF32(rng, s.n*(1+s.l)*s.d, 1)
			xB, maskB, dyB := g.upload("x", x), g.upload("mask", mask), g.upload("dy", dy)
			restoreB := g.uploadInt32("idsRestore", restore)
			y := g.output("y", s.n*(1+s.l)*s.d)
			dx, dmask := g.output("dx", s.n*(1+s.lk)*s.d), g.output("dmask", s.d)
			g.run(func(r *vk.Recording) error {
				if err := g.o.Unshuffle(r, xB, maskB, restoreB, y, s.n, s.l, s.lk, s.d); err != nil {
					return err
				}
				return g.o.UnshuffleBackward(r, dyB, restoreB, dx, dmask, s.n, s.l, s.lk, s.d)
			})
			checkSameElems(t, "y", g.download(y, s.n*(1+s.l)*s.d), UnshuffleRef(x, mask, restore, s.n, s.l, s.lk, s.d))
			wantDx, wantDmask := UnshuffleBackwardRef(dy, restore, s.n, s.l, s.lk, s.d)
			checkSameElems(t, "dx", g.download(dx, s.n*(1+s.lk)*s.d), wantDx)
			worst.check(t, "dmask", g.download(dmask, s.d), wantDmask, 1e-5)
		})
	}
}

func TestUnshuffleBackwardDeterministic(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(403)
	s := tokenShape{3, 49, 12, 48}
	_, restore, _ := tokenMasking(rng, s.n, s.l, s.lk)
	dyB := g.upload("dy", randF32(rng, s.n*(1+s.l)*s.d, 1))
	restoreB := g.uploadInt32("idsRestore", restore)
	var first []float64
	for i := 0; i < 3; i++ {
		dx, dmask := g.output("dx", s.n*(1+s.lk)*s.d), g.output("dmask", s.d)
		g.run(func(r *vk.Recording) error {
			return g.o.UnshuffleBackward(r, dyB, restoreB, dx, dmask, s.n, s.l, s.lk, s.d)
		})
		got := g.download(dmask, s.d)
		if first == nil {
			first = got
		}
		checkSameElems(t, fmt.Sprintf("dmask run %d", i), got, first)
	}
}
