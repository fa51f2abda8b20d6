package ops

import (
	"fmt"
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// Device tests of the 16-bit storage paths (tolerances per op below). They
// need storageBuffer16BitAccess: lavapipe runs them, SwiftShader skips.

// halfGPU is newGPU for tests that need 16-bit storage.
func halfGPU(t *testing.T) *gpu {
	t.Helper()
	g := newGPU(t)
	if !FP16.Supported(g.d.Info) {
		t.Skipf("%s has no 16-bit storage", g.d.Info.Name)
	}
	return g
}

// uploadHalf makes a device buffer holding v in format p.
func (g *gpu) uploadHalf(name string, p Precision, v []float64) *vk.Buffer {
	g.t.Helper()
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	words := PackHalf(p, f)
	b, err := g.d.NewBuffer(name, 4*max(len(words), 1))
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(b.Release)
	if len(words) > 0 {
		if err := b.WriteUint32(0, words); err != nil {
			g.t.Fatal(err)
		}
	}
	return b
}

// downloadHalf reads n elements of format p from b as float64s.
func (g *gpu) downloadHalf(b *vk.Buffer, p Precision, n int) []float64 {
	g.t.Helper()
	words := make([]uint32, (n+1)/2)
	if err := b.ReadUint32(0, words); err != nil {
		g.t.Fatal(err)
	}
	out := make([]float64, n)
	for i, x := range UnpackHalf(p, words, n) {
		out[i] = float64(x)
	}
	return out
}

// TestCastHalf: fp32 → 16-bit on the device is bit for bit HalfBits (so,
// by TestHalfBitsMatchRoundRef, round to nearest even), and 16-bit → fp32
// widens exactly. Tolerance: none.
func TestCastHalf(t *testing.T) {
	g := halfGPU(t)
	vals := halfEdgeValues()
	in := make([]float64, len(vals))
	for i, v := range vals {
		in[i] = float64(v)
	}
	for _, p := range []Precision{FP16, BF16} {
		src := g.upload("src", in)
		half := g.output("half", (len(in)+1)/2) // NaN words: unwritten ones show
		back := g.output("back", len(in))
		g.run(func(r *vk.Recording) error {
			if err := g.o.Cast(r, p, true, src, half, len(in)); err != nil {
				return err
			}
			return g.o.Cast(r, p, false, half, back, len(in))
		})
		words := make([]uint32, (len(in)+1)/2)
		if err := half.ReadUint32(0, words); err != nil {
			t.Fatal(err)
		}
		got := g.download(back, len(in))
		bad := 0
		for i, v := range vals {
			w := uint16(words[i/2] >> (16 * (i % 2)))
			if want := HalfBits(p, v); w != want && bad < 10 {
				bad++
				t.Errorf("%v: cast of %g (%#08x) = %#04x, want %#04x", p, v, math.Float32bits(v), w, want)
			}
			if want := float64(HalfValue(p, w)); !sameFloat(got[i], want) && bad < 10 {
				bad++
				t.Errorf("%v: widening %#04x = %g, want %g", p, w, got[i], want)
			}
		}
	}
}

// TestGemmHalf runs products with 16-bit A, B or both under every GEMM
// family. The inputs are exactly representable in the format, so the
// reference sees what the device sees and accumulation is fp32 as for fp32
// operands: the fp32 tolerance, 1e-4, applies.
func TestGemmHalf(t *testing.T) {
	g := halfGPU(t)
	// The compiled-in 8×16 tile (the default on CPU drivers) takes llvmpipe
	// tens of seconds per variant to compile: it runs for one operand
	// combination; its loads are the same macros as the 4×8 variants'.
	sub := max(g.d.Info.SubgroupSize, 1)
	configs := []GemmConfig{
		{Family: "reg", Local: 3, TM: 4, TN: 8},
		{Family: "tiled", LX: 8, LY: 4, TM: 2, TN: 3, BK: 5},
	}
	big := GemmConfig{Family: "reg", Local: sub, TM: 8, TN: 16}
	shapes := []GemmSpec{
		{M: 19, N: 12, K: 8, Batch: 1, Alpha: 1, Bias: true},
		{M: 9, N: 20, K: 16, Batch: 1, Alpha: 1, TransB: true, Residual: true},
		{M: 8, N: 4, K: 5, Batch: 1, Alpha: 1, TransA: true, GELU: true},
		{M: 12, N: 8, K: 7, Batch: 1, Alpha: 1, TransA: true},
		{M: 13, N: 7, K: 9, Batch: 1, Alpha: 0.5, Beta: 0.25, TransB: true},
		{M: 5, N: 8, K: 12, Batch: 2, StrideA: 64, StrideB: 0, StrideC: 40, Alpha: 1},
	}
	for _, p := range []Precision{FP16, BF16} {
		for _, types := range [][3]Precision{{p, FP32, FP32}, {FP32, p, FP32}, {p, p, FP32}, {p, p, p}} {
			for _, cfg := range configs {
				t.Run(fmt.Sprintf("%v/%v/%v/%v", types[0], types[1], types[2], cfg), func(t *testing.T) {
					checkGemmHalf(t, g, cfg, shapes, types[0], types[1], types[2])
				})
			}
			if p == FP16 && types[0] == types[1] && types[2] == FP32 {
				t.Run(fmt.Sprintf("%v/%v/%v", p, p, big), func(t *testing.T) {
					checkGemmHalf(t, g, big, shapes, p, p, FP32)
				})
			}
		}
	}
}

// checkGemmHalf runs shapes with A, B and C stored as at, bt and ct. A
// 16-bit C is compared element by element (one rounding on top of the fp32
// product, whose error is below 1e-5 of the largest element).
func checkGemmHalf(t *testing.T, g *gpu, cfg GemmConfig, shapes []GemmSpec, at, bt, ct Precision) {
	if err := g.o.SetGemmConfig(cfg); err != nil {
		t.Fatal(err)
	}
	rng := newTestRand(7)
	type result struct {
		s    GemmSpec
		out  *vk.Buffer
		want []float64
	}
	var results []result
	upload := func(name string, p Precision, v []float64) *vk.Buffer {
		if p.Half() {
			return g.uploadHalf(name, p, v)
		}
		return g.upload(name, v)
	}
	g.run(func(r *vk.Recording) error {
		for _, s := range shapes {
			s.AType, s.BType, s.CType = at, bt, ct
			lenOf := func(stride, size int) int { return (s.Batch-1)*stride + size }
			a := RoundHalfSliceRef(at, randF32(rng, lenOf(s.StrideA, s.M*s.K), 1))
			b := RoundHalfSliceRef(bt, randF32(rng, lenOf(s.StrideB, s.K*s.N), 1))
			c0 := RoundHalfSliceRef(ct, randF32(rng, lenOf(s.StrideC, s.M*s.N), 1))
			bias, res := randF32(rng, s.N, 1), randF32(rng, lenOf(s.StrideC, s.M*s.N), 1)
			want := append([]float64(nil), c0...)
			GemmRef(s, a, b, want, bias, res)
			if s.Beta == 0 {
				for i := range c0 {
					c0[i] = math.NaN() // C must not be read; unwritten elements show
				}
			}
			out := upload("c", ct, c0)
			if err := g.o.Gemm(r, s, upload("a", at, a), upload("b", bt, b), out, g.upload("bias", bias), g.upload("res", res)); err != nil {
				return err
			}
			results = append(results, result{s, out, want})
		}
		return nil
	})
	for _, res := range results {
		if ct.Half() {
			scale := 0.0
			for _, w := range res.want {
				scale = math.Max(scale, math.Abs(w))
			}
			checkHalfStore(t, fmt.Sprintf("M%d N%d K%d tA%v tB%v", res.s.M, res.s.N, res.s.K, res.s.TransA, res.s.TransB),
				ct, g.downloadHalf(res.out, ct, len(res.want)), res.want, 1e-5, scale)
			continue
		}
		got := g.download(res.out, len(res.want))
		if e := relErr(got, res.want); !(e < 1e-4) {
			t.Errorf("M%d N%d K%d tA%v tB%v: relative error %.3g", res.s.M, res.s.N, res.s.K, res.s.TransA, res.s.TransB, e)
		}
	}
}

// halfUnitRoundoff is the largest relative error of one rounding to p.
func halfUnitRoundoff(p Precision) float64 {
	if p == BF16 {
		return math.Pow(2, -8)
	}
	return math.Pow(2, -11)
}

// checkHalfStore compares a 16-bit result element by element with the
// float64 reference: each element may be off by one rounding to p (unit
// roundoff u) on top of the fp32 op's own error, tol relative to the row
// scale: |got − want| ≤ u·|want| + tol·scale (+ fp16's subnormal spacing).
func checkHalfStore(t *testing.T, name string, p Precision, got, want []float64, tol, scale float64) {
	t.Helper()
	u := halfUnitRoundoff(p)
	bad := 0
	for i := range want {
		lim := u*math.Abs(want[i]) + tol*scale + math.Pow(2, -24)
		if d := math.Abs(got[i] - want[i]); !(d <= lim) && bad < 5 {
			bad++
			t.Errorf("%s (%v)[%d] = %g, want %g (limit %.3g)", name, p, i, got[i], want[i], lim)
		}
	}
}

// TestLayerNormHalf: LayerNorm with a 16-bit y, rows wide enough for the
// vec4 path and odd ones for the scalar path; statistics stay fp32 and are
// checked at the fp32 tolerance (1e-5).
func TestLayerNormHalf(t *testing.T) {
	g := halfGPU(t)
	rng := newTestRand(11)
	for _, p := range []Precision{FP16, BF16} {
		for _, sh := range [][2]int{{7, 64}, {5, 37}, {3, 1000}} {
			rows, dim := sh[0], sh[1]
			x := randF32(rng, rows*dim, 3)
			for i := range x {
				x[i] += 2
			}
			gamma, beta := randF32(rng, dim, 1), randF32(rng, dim, 0.5)
			wantY, wantMean, wantRstd := LayerNormRef(x, gamma, beta, rows, dim, 1e-6)
			y, mean, rstd := g.output("y", (rows*dim+1)/2), g.output("mean", rows), g.output("rstd", rows)
			g.run(func(r *vk.Recording) error {
				return g.o.LayerNormTo(r, p, g.upload("x", x), g.upload("gamma", gamma), g.upload("beta", beta), y, mean, rstd, rows, dim, 1e-6)
			})
			name := fmt.Sprintf("layernorm %dx%d", rows, dim)
			checkHalfStore(t, name, p, g.downloadHalf(y, p, rows*dim), wantY, 1e-5, 1)
			checkClose(t, name+" mean", g.download(mean, rows), wantMean, 1e-5)
			checkClose(t, name+" rstd", g.download(rstd, rows), wantRstd, 1e-5)
		}
	}
}

// TestGeluHalf: GELU of fp32 x into a 16-bit y, and of a 16-bit x (forward
// into a 16-bit y, backward into fp32 dx), vec4 and scalar lengths; fp32
// tolerance 1e-6 on top of one rounding of y.
func TestGeluHalf(t *testing.T) {
	g := halfGPU(t)
	rng := newTestRand(13)
	for _, p := range []Precision{FP16, BF16} {
		for _, n := range []int{1, 7, 256, 1001} {
			x := randF32(rng, n, 4)
			y := g.output("y", (n+1)/2)
			g.run(func(r *vk.Recording) error { return g.o.GeluTo(r, FP32, p, g.upload("x", x), y, n) })
			checkHalfStore(t, fmt.Sprintf("gelu n=%d", n), p, g.downloadHalf(y, p, n), GeluRef(x), 1e-6, 1)
			// 16-bit x too: the reference sees x rounded as the device does.
			xr := RoundHalfSliceRef(p, append([]float64(nil), x...))
			y2, dx := g.output("y", (n+1)/2), g.output("dx", n)
			dy := randF32(rng, n, 1)
			g.run(func(r *vk.Recording) error {
				xb := g.uploadHalf("x", p, xr)
				if err := g.o.GeluTo(r, p, p, xb, y2, n); err != nil {
					return err
				}
				return g.o.GeluBackwardFrom(r, p, xb, g.upload("dy", dy), dx, n)
			})
			checkHalfStore(t, fmt.Sprintf("gelu 16-bit x n=%d", n), p, g.downloadHalf(y2, p, n), GeluRef(xr), 1e-6, 1)
			checkClose(t, fmt.Sprintf("gelu backward 16-bit x n=%d", n), g.download(dx, n), GeluBackwardRef(xr, dy), 1e-6)
		}
	}
}

// TestColumnSumsCastDevice: the fused bias gradient and 16-bit copy gives
// ColumnSums' sums (fp32 tolerance) and a copy bit for bit Cast's, on the
// shapes of the column-sum tests (one and many row blocks, vec4 and scalar
// columns), in both formats. The copy starts as fp32 NaNs (words 0x0000
// and 0x7ff8), which no random input rounds to, so an element left
// unwritten shows.
func TestColumnSumsCastDevice(t *testing.T) {
	g := halfGPU(t)
	rng := newTestRand(604)
	for i, s := range colShapes {
		p := []Precision{FP16, BF16}[i%2]
		grid := smallGrid(g, i)
		t.Run(fmt.Sprintf("%dx%d_%v_%s", s.rows, s.cols, p, grid), func(t *testing.T) {
			n := s.rows * s.cols
			x := randF32(rng, n, 3)
			xB, out := g.upload("x", x), g.output("out", s.cols)
			work := g.output("work", ColumnSumsWorkFloats(s.rows, s.cols))
			cp := g.output("copy", (n+1)/2)
			g.run(func(r *vk.Recording) error { return g.o.ColumnSumsCast(r, p, xB, out, work, cp, s.rows, s.cols) })
			checkClose(t, "column sums", g.download(out, s.cols), BiasGradRef(x, s.rows, s.cols), 1e-5)
			words := make([]uint32, (n+1)/2)
			if err := cp.ReadUint32(0, words); err != nil {
				t.Fatal(err)
			}
			bad := 0
			for j, v := range x {
				w := uint16(words[j/2] >> (16 * (j % 2)))
				if want := HalfBits(p, float32(v)); w != want && bad < 5 {
					bad++
					t.Errorf("copy[%d] of %g = %#04x, want %#04x", j, v, w, want)
				}
			}
		})
	}
	smallGrid(g, 0)
}
