package ops

import (
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// TestAttentionUnfused checks the plain GEMM + softmax + GEMM path (the
// baseline the fused kernels are measured against) against the reference.
func TestAttentionUnfused(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(31)
	for _, sh := range [][4]int{{1, 1, 1, 4}, {2, 13, 2, 16}, {1, 17, 3, 32}, {2, 50, 4, 8}} {
		b, l, h, d := sh[0], sh[1], sh[2], sh[3]
		qkv := randF32(rng, b*l*3*h*d, 1)
		want, _ := AttentionRef(qkv, b, l, h, d)
		out := g.output("out", b*l*h*d)
		work := g.output("work", UnfusedAttentionWorkFloats(b, l, h, d))
		g.run(func(r *vk.Recording) error {
			return g.o.AttentionUnfused(r, g.upload("qkv", qkv), out, work, b, l, h, d)
		})
		checkClose(t, "AttentionUnfused", g.download(out, len(want)), want, 1e-5)
	}
}
