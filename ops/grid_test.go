package ops

import (
	"testing"

	"github.com/mae-vk/mae-vk/vk"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// newGPUClamped is newGPU on a device whose reported limits are lowered to
// l, as a strict GPU's would be.
func newGPUClamped(t *testing.T, l vk.Limits) *gpu {
	t.Helper()
	d := vktest.OpenWith(t, vk.Options{Clamp: &l})
	return &gpu{t: t, d: d, o: New(d)}
}

// TestGemmFoldedGrid runs products whose grids exceed a (tiny, clamped)
// workgroup-count limit in every dimension, so that Gemm must fold x into
// y and split the batch over several dispatches, under each GEMM family,
// and compares them with GemmRef.
func TestGemmFoldedGrid(t *testing.T) {
	lim := vk.StrictLimits()
	lim.WorkgroupCount = [3]int{6, 6, 2}
	g := newGPUClamped(t, lim)
	rng := newTestRand(21)
	// Per configuration, two shapes of 23 to 25 blocks: more than 6, so
	// folded, some with a workgroup of padding. Batch strides are
	// multiples of 64 floats, so that every chunk offset is aligned on
	// any device; β ≠ 0 keeps C's gaps between batches defined.
	for _, c := range []struct {
		cfg    GemmConfig
		shapes [2][2]int // M, N
	}{
		{GemmConfig{Family: "reg", Local: 1, TM: 1, TN: 4}, [2][2]int{{5, 20}, {23, 3}}},
		{GemmConfig{Family: "reg", Local: 2, TM: 4, TN: 4}, [2][2]int{{20, 40}, {18, 36}}},
		{GemmConfig{Family: "tiled", LX: 1, LY: 1, TM: 1, TN: 1, BK: 3}, [2][2]int{{5, 5}, {23, 1}}},
		{GemmConfig{Family: "tiled", LX: 2, LY: 3, TM: 2, TN: 1, BK: 4}, [2][2]int{{30, 10}, {23, 9}}},
	} {
		m0, n0, m1, n1 := c.shapes[0][0], c.shapes[0][1], c.shapes[1][0], c.shapes[1][1]
		cases := []gemmCase{
			newGemmCase(rng, GemmSpec{M: m0, N: n0, K: 8, Batch: 5, StrideA: 64 * ceilDiv(m0*8, 64), StrideC: 64 * ceilDiv(m0*n0, 64),
				Alpha: 1, Beta: 0.25, Bias: true, Residual: true}),
			newGemmCase(rng, GemmSpec{M: m1, N: n1, K: 4, Batch: 3, StrideA: 64 * ceilDiv(m1*4, 64), StrideB: 64 * ceilDiv(n1*4, 64),
				StrideC: 64 * ceilDiv(m1*n1, 64), Alpha: 0.5, Beta: 0.5, TransA: true, TransB: true, GELU: true}),
		}
		for _, gc := range cases {
			if grid := g.o.gemmGrid(c.cfg, gc.s); grid[1] < 2 {
				t.Fatalf("%v under %v: grid %v is not folded; the test checks nothing", gc, c.cfg, grid)
			}
		}
		t.Run(c.cfg.String(), func(t *testing.T) { checkGemm(t, g, c.cfg, cases) })
	}
}

// TestGemmBeyond65535 runs one product whose grid has more than 65535
// workgroups along x under the strictest real-GPU limits, and compares it
// with GemmRef (the result an unlimited device would give).
func TestGemmBeyond65535(t *testing.T) {
	g := newGPUClamped(t, vk.StrictLimits())
	s := GemmSpec{M: 1030, N: 260, K: 8, Batch: 1, Alpha: 1, TransB: true, Bias: true}
	cfg := GemmConfig{Family: "reg", Local: 1, TM: 1, TN: 4}
	if grid := g.o.gemmGrid(cfg, s); grid[1] < 2 {
		t.Fatalf("grid %v is not folded; the test checks nothing", grid)
	}
	checkGemm(t, g, cfg, []gemmCase{newGemmCase(newTestRand(22), s)})
}

func TestFoldX(t *testing.T) {
	info := vk.DeviceInfo{MaxWorkgroupCount: [3]int{65535, 65535, 65535}}
	for _, x := range []int{1, 100, 65535, 65536, 75648, 131071, 131072, 1 << 30} {
		g := info.FoldX(x, 3)
		if g[0] > 65535 || g[1] > 65535 || g[2] != 3 {
			t.Errorf("FoldX(%d) = %v: outside the limits", x, g)
		}
		if n := g[0] * g[1]; n < x || n-x >= g[1] {
			t.Errorf("FoldX(%d) = %v: %d workgroups, want ≥ %d and fewer than %d extra", x, g, n, x, g[1])
		}
		if x <= 65535 && g[1] != 1 {
			t.Errorf("FoldX(%d) = %v folds a grid that fits", x, g)
		}
	}
}
