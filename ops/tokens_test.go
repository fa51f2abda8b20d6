package ops

import (
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

func TestEncoderTokens(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(11)
	for _, sh := range [][4]int{{1, 1, 1, 1}, {2, 16, 4, 8}, {3, 49, 12, 13}} {
		n, l, lk, d := sh[0], sh[1], sh[2], sh[3]
		e, cls, pos := randF32(rng, n*lk*d, 1), randF32(rng, d, 1), randF32(rng, (1+l)*d, 1)
		ids := make([]int32, n*lk)
		for s := 0; s < n; s++ {
			perm := rng.Perm(l)
			for j := 0; j < lk; j++ {
				ids[s*lk+j] = int32(perm[j])
			}
		}
		want := make([]float64, n*(1+lk)*d)
		for s := 0; s < n; s++ {
			for c := 0; c < d; c++ {
				want[s*(1+lk)*d+c] = cls[c] + pos[c]
			}
			for j := 0; j < lk; j++ {
				for c := 0; c < d; c++ {
					want[(s*(1+lk)+1+j)*d+c] = e[(s*lk+j)*d+c] + pos[(1+int(ids[s*lk+j]))*d+c]
				}
			}
		}
		x := g.output("x", len(want))
		g.run(func(r *vk.Recording) error {
			return g.o.EncoderTokens(r, g.upload("e", e), g.uploadInt32("ids", ids), g.upload("cls", cls), g.upload("pos", pos), x, n, l, lk, d)
		})
		checkClose(t, "EncoderTokens", g.download(x, len(want)), roundF32(want), 1e-7)
	}
}
