package ops

import (
	"errors"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// uploadCoopMat makes an A or B operand for plan: binary16 (or bfloat16,
// for a bf16 plan) values where the plan takes 16-bit inputs (v is
// rounded to the format in place, so the reference sees what the device
// sees), float32 otherwise.
func (g *gpu) uploadCoopMat(plan CoopMatPlan, name string, v []float64) CoopMatInput {
	g.t.Helper()
	if !plan.halfInputs {
		return CoopMatInput{Data: g.upload(name, v), F32: true}
	}
	if plan.bf16 {
		for i, x := range v {
			v[i] = RoundHalfRef(BF16, x)
		}
		return CoopMatInput{Data: g.uploadHalf(name, BF16, v), BF16: true}
	}
	for i, x := range v {
		v[i] = halfValue(halfBits(float32(x)))
	}
	raw := halfBytes(v)
	for len(raw)%4 != 0 || len(raw) == 0 {
		raw = append(raw, 0)
	}
	b, err := g.d.NewBuffer(name, len(raw))
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(b.Release)
	if err := b.Write(0, raw); err != nil {
		g.t.Fatal(err)
	}
	return CoopMatInput{Data: b}
}

// checkCoopMat runs every case under plan in one recording and compares
// with GemmRef on the inputs as the device holds them.
func checkCoopMat(t *testing.T, g *gpu, plan CoopMatPlan, cases []gemmCase) {
	t.Helper()
	g.run(func(r *vk.Recording) error {
		for i := range cases {
			gc := &cases[i]
			a, b := g.uploadCoopMat(plan, "a", gc.a), g.uploadCoopMat(plan, "b", gc.b)
			gc.want = append(gc.want[:0], gc.c0...)
			GemmRef(gc.s, gc.a, gc.b, gc.want, gc.bias, gc.residual)
			gc.out = g.upload("c", gc.c0)
			if gc.s.Beta == 0 {
				gc.out = g.output("c", len(gc.c0)) // C must not be read
			}
			if err := g.o.GemmCoopMat(r, plan, gc.s, a, b, gc.out, g.upload("bias", gc.bias), g.upload("res", gc.residual)); err != nil {
				return err
			}
		}
		return nil
	})
	for _, gc := range cases {
		got := g.download(gc.out, len(gc.want))
		if e := relErr(got, gc.want); !(e < 1e-5) {
			t.Errorf("%v under %v: relative error %.3g", gc, plan, e)
		}
	}
}

// TestGemmCoopMatEmulated runs the cooperative-matrix GEMM's source,
// compiled with its subgroup emulation, over the GEMM suite's shapes
// (every transpose, bias, GELU, residual, beta, a strided batch) on the
// test device, for each compiled fragment shape, workgroup, block of
// fragments per subgroup and K slice (one or two fragments).
func TestGemmCoopMatEmulated(t *testing.T) {
	g := newGPU(t)
	base, err := g.o.PlanCoopMat(true)
	if err != nil {
		t.Fatal(err)
	}
	if !base.Emulated {
		t.Fatalf("PlanCoopMat(true) = %v, want the emulation", base)
	}
	cases := gemmCases(3)
	kind := base.Variant[len(base.Variant)-len("emu32"):]
	if base.halfInputs {
		kind = "emu"
	}
	for _, sh := range coopMatShapes {
		for _, w := range [][5]int{{2, 2, 1, 1, 1}, {1, 2, 2, 2, 2}, {2, 1, 1, 2, 2}} {
			p := base
			p.Variant, p.M, p.N, p.K = coopMatName(sh, kind), sh[0], sh[1], sh[2]
			p.WM, p.WN, p.FM, p.FN, p.KSteps = w[0], w[1], w[2], w[3], w[4]
			t.Run(p.String(), func(t *testing.T) { checkCoopMat(t, g, p, cases) })
		}
	}
}

// TestGemmCoopMatNeverChosenWithout checks that on a device without a
// cooperative-matrix extension (both software drivers) no real variant is
// planned: the family is never selected there.
func TestGemmCoopMatNeverChosenWithout(t *testing.T) {
	g := newGPU(t)
	_, ok := g.d.Info.FindCoopMat(vk.ComponentFloat16, vk.ComponentFloat32)
	p, err := g.o.PlanCoopMat(false)
	if ok {
		if err != nil || p.Emulated {
			t.Errorf("device lists a shape but PlanCoopMat = %v, %v", p, err)
		}
		return
	}
	if !errors.Is(err, ErrNoCoopMat) {
		t.Errorf("no cooperative matrices on %s, but PlanCoopMat(false) = %v, %v", g.d.Info.Name, p, err)
	}
	if c := g.o.CoopMatCandidates(false); len(c) != 0 {
		t.Errorf("no cooperative matrices on %s, but tuning would try %v", g.d.Info.Name, c)
	}
	warn := func(msg string) { t.Errorf("unexpected warning: %s", msg) }
	if on, err := g.o.EnableCoopMat(CoopMatAuto, t.TempDir(), warn); on || err != nil {
		t.Fatalf("EnableCoopMat(auto) on %s = %v, %v; want false", g.d.Info.Name, on, err)
	}
	if p, on := g.o.CoopMatInUse(); on {
		t.Fatalf("family in use on %s: %v", g.d.Info.Name, p)
	}
	if FP16.Supported(g.d.Info) {
		s := GemmSpec{M: 20, N: 18, K: 17, Batch: 1, Alpha: 1, TransB: true, AType: FP16, BType: FP16}
		checkGemmHalf(t, g, GemmConfig{Family: "reg", Local: 3, TM: 4, TN: 8}, []GemmSpec{s}, FP16, FP16, FP32)
		if n := g.o.CoopMatGemms(); n != 0 {
			t.Errorf("%d fp16 products ran on the cooperative-matrix family of %s, want 0", n, g.d.Info.Name)
		}
	}
}

// TestGemmCoopMatVecLoads: operands whose stored contiguous dimension and
// batch stride are multiples of 8 are staged from uvec4 loads of eight
// values (coopMatVecFlags); the products match GemmRef in every layout,
// with partial blocks, K slices past the end, a strided batch, and
// operands at a binding offset that is not 16-byte aligned (read one
// value at a time instead).
func TestGemmCoopMatVecLoads(t *testing.T) {
	g := newGPU(t)
	plan, err := g.o.PlanCoopMat(true)
	if err != nil {
		t.Fatal(err)
	}
	if !plan.halfInputs {
		t.Skipf("%s has no 16-bit storage: the emulation reads float32", g.d.Info.Name)
	}
	rng := newTestRand(88)
	var cases []gemmCase
	for layout := 0; layout < 4; layout++ {
		for _, sh := range [][4]int{{40, 24, 56, 1}, {8, 136, 72, 1}, {24, 16, 40, 2}} {
			s := GemmSpec{M: sh[0], N: sh[1], K: sh[2], Batch: sh[3], Alpha: 1, Bias: true,
				TransA: layout&1 != 0, TransB: layout&2 != 0}
			if s.Batch > 1 {
				s.StrideA, s.StrideB, s.StrideC = s.M*s.K+8, s.K*s.N+16, s.M*s.N
			}
			if f := coopMatVecFlags(plan, s, nil, nil); f != gemmVecA|gemmVecB {
				t.Fatalf("%v: vector flags %#x, want A and B", s, f)
			}
			cases = append(cases, newGemmCase(rng, s))
		}
	}
	t.Run(plan.String(), func(t *testing.T) { checkCoopMat(t, g, plan, cases) })

	s := GemmSpec{M: 16, N: 16, K: 16, Batch: 1}
	buf := g.output("x", 64)
	if f := coopMatVecFlags(plan, s, buf.Span(8, 64), buf.Span(16, 64)); f != gemmVecB {
		t.Errorf("A at byte 8, B at byte 16: flags %#x, want B's only", f)
	}
	for _, odd := range []GemmSpec{{M: 16, N: 12, K: 20, Batch: 1}, {M: 16, N: 16, K: 16, Batch: 2, StrideA: 260, StrideB: 260}} {
		if f := coopMatVecFlags(plan, odd, nil, nil); f != 0 {
			t.Errorf("%v: flags %#x, want none", odd, f)
		}
	}
}
