package ops

import (
	"fmt"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// gemmCase is one product checked against GemmRef.
type gemmCase struct {
	s                        GemmSpec
	a, b, c0, bias, residual []float64
	want                     []float64
	out                      *vk.Buffer
}

func (gc gemmCase) String() string {
	s := gc.s
	return fmt.Sprintf("M%d N%d K%d batch%d tA%v tB%v α%g β%g bias%v gelu%v res%v",
		s.M, s.N, s.K, s.Batch, s.TransA, s.TransB, s.Alpha, s.Beta, s.Bias, s.GELU, s.Residual)
}

// gemmCases builds products over awkward shapes, every transpose and
// epilogue, and a strided batch with a shared (stride 0) B.
func gemmCases(seed uint64) []gemmCase {
	rng := newTestRand(seed)
	shapes := [][3]int{{1, 1, 1}, {1, 4, 4}, {3, 5, 7}, {4, 8, 4}, {17, 16, 12}, {33, 20, 64}, {37, 128, 48}, {50, 24, 13}}
	epilogues := []GemmSpec{
		{Alpha: 1},
		{Alpha: 1, Bias: true},
		{Alpha: 1, Bias: true, GELU: true},
		{Alpha: 1, Bias: true, Residual: true},
		{Alpha: 0.7, Beta: 0.5},
	}
	var cases []gemmCase
	for si, sh := range shapes {
		for t := 0; t < 4; t++ {
			e := epilogues[(si+t)%len(epilogues)]
			s := e
			s.M, s.N, s.K, s.Batch = sh[0], sh[1], sh[2], 1
			s.TransA, s.TransB = t&1 != 0, t&2 != 0
			if si == len(shapes)-1 {
				s.Batch, s.StrideA, s.StrideB, s.StrideC = 3, s.M*s.K+4, 0, s.M*s.N
			}
			cases = append(cases, newGemmCase(rng, s))
		}
	}
	return cases
}

func newGemmCase(rng interface{ Float64() float64 }, s GemmSpec) gemmCase {
	r := newTestRand(uint64(s.M*1000003 + s.N*1009 + s.K*7 + s.Batch))
	lenOf := func(stride, size int) int { return (s.Batch-1)*stride + size }
	gc := gemmCase{s: s}
	gc.a = randF32(r, lenOf(s.StrideA, s.M*s.K), 1)
	gc.b = randF32(r, lenOf(s.StrideB, s.K*s.N), 1)
	gc.c0 = randF32(r, lenOf(s.StrideC, s.M*s.N), 1)
	gc.bias = randF32(r, s.N, 1)
	gc.residual = randF32(r, lenOf(s.StrideC, s.M*s.N), 1)
	gc.want = append([]float64(nil), gc.c0...)
	GemmRef(s, gc.a, gc.b, gc.want, gc.bias, gc.residual)
	return gc
}

// checkGemm runs every case under cfg in one recording and compares.
func checkGemm(t *testing.T, g *gpu, cfg GemmConfig, cases []gemmCase) {
	t.Helper()
	if err := g.o.SetGemmConfig(cfg); err != nil {
		t.Fatal(err)
	}
	g.run(func(r *vk.Recording) error {
		for i := range cases {
			gc := &cases[i]
			a, b := g.upload("a", gc.a), g.upload("b", gc.b)
			gc.out = g.upload("c", gc.c0)
			if gc.s.Beta == 0 {
				gc.out = g.output("c", len(gc.c0)) // C must not be read
			}
			if err := g.o.Gemm(r, gc.s, a, b, gc.out, g.upload("bias", gc.bias), g.upload("res", gc.residual)); err != nil {
				return err
			}
		}
		return nil
	})
	for _, gc := range cases {
		got := g.download(gc.out, len(gc.want))
		if e := relErr(got, gc.want); !(e < 1e-4) {
			t.Errorf("%v under %v: relative error %.3g", gc, cfg, e)
		}
	}
}

func TestGemmConfigs(t *testing.T) {
	g := newGPU(t)
	cases := gemmCases(1)
	sub := max(g.d.Info.SubgroupSize, 1)
	def := DefaultGemmConfig(g.d.Info)
	def.Texel = false
	configs := []GemmConfig{
		def,
		{Family: "reg", Local: sub, TM: 4, TN: 8},
		{Family: "reg", Local: 3, TM: 5, TN: 8},
		{Family: "tiled", LX: 8, LY: 8, TM: 4, TN: 4, BK: 8},
		{Family: "tiled", LX: 16, LY: 4, TM: 2, TN: 3, BK: 5},
	}
	for _, cfg := range configs {
		t.Run(cfg.String(), func(t *testing.T) { checkGemm(t, g, cfg, cases) })
	}
}

// TestGemmTexel runs the texel-buffer loads on a few products. llvmpipe
// compiles a shader variant per texel-buffer state, seconds each for big
// tiles, so this keeps to small tiles and few shapes.
func TestGemmTexel(t *testing.T) {
	g := newGPU(t)
	if g.d.Info.MaxTexelElements < 1<<16 {
		t.Skip("texel buffers too small")
	}
	rng := newTestRand(2)
	var cases []gemmCase
	for _, s := range []GemmSpec{
		{M: 19, N: 12, K: 8, Batch: 1, Alpha: 1, Bias: true},
		{M: 9, N: 20, K: 16, Batch: 1, Alpha: 1, TransB: true, Residual: true},
		{M: 8, N: 4, K: 5, Batch: 1, Alpha: 1, TransA: true, GELU: true},
	} {
		cases = append(cases, newGemmCase(rng, s))
	}
	checkGemm(t, g, GemmConfig{Family: "reg", Local: max(g.d.Info.SubgroupSize, 1), TM: 4, TN: 4, Texel: true}, cases)
}

// TestGemmInPlaceResidual covers x += y·Wᵀ + b with the residual read from
// the range that C overwrites, as the transformer blocks do.
func TestGemmInPlaceResidual(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(9)
	s := GemmSpec{M: 26, N: 32, K: 64, Batch: 1, Alpha: 1, TransB: true, Bias: true, Residual: true}
	y, w, b, x := randF32(rng, s.M*s.K, 1), randF32(rng, s.N*s.K, 0.2), randF32(rng, s.N, 1), randF32(rng, s.M*s.N, 1)
	want := make([]float64, len(x))
	GemmRef(s, y, w, want, b, x)
	bx := g.upload("x", x)
	g.run(func(r *vk.Recording) error {
		return g.o.Gemm(r, s, g.upload("y", y), g.upload("w", w), bx, g.upload("b", b), bx)
	})
	checkClose(t, "x += y·Wᵀ + b", g.download(bx, len(want)), want, 1e-5)
}

func TestGemmBadConfig(t *testing.T) {
	g := newGPU(t)
	for _, cfg := range []GemmConfig{
		{Family: "reg", Local: 8, TM: 8, TN: 6},
		{Family: "tiled", LX: 64, LY: 64, TM: 1, TN: 1, BK: 1},
		{Family: "fast"},
	} {
		if err := g.o.SetGemmConfig(cfg); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
}
