package ops

import (
	"errors"
	"strings"
	"testing"
)

// bf16CoopGPU is halfGPU with the bf16 emulated plan PlanCoopMatFor gives.
func bf16CoopGPU(t *testing.T) (*gpu, CoopMatPlan) {
	t.Helper()
	g := halfGPU(t) // bf16 products need 16-bit storage like fp16 ones
	plan, err := g.o.PlanCoopMatFor(BF16, true)
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Emulated || plan.Inputs() != BF16 || !strings.HasSuffix(plan.Variant, "_emu_bf16") {
		t.Fatalf("PlanCoopMatFor(BF16, true) = %v (inputs %v), want the bf16 emulation", plan, plan.Inputs())
	}
	return g, plan
}

// TestGemmCoopMatEmulatedBF16 runs the bf16 emulation (bf16 A and B read
// from 16-bit storage) over the GEMM suite's shapes (every transpose, bias,
// GELU, residual, beta, a strided batch) for each compiled fragment shape
// and several workgroups and fragment blocks, against GemmRef on the
// bf16-rounded inputs.
func TestGemmCoopMatEmulatedBF16(t *testing.T) {
	g, base := bf16CoopGPU(t)
	for _, sh := range coopMatShapes {
		for _, w := range [][4]int{{2, 2, 1, 1}, {1, 2, 2, 2}} {
			p := base
			p.Variant, p.M, p.N, p.K = coopMatBF16Name(sh, "emu"), sh[0], sh[1], sh[2]
			p.WM, p.WN, p.FM, p.FN = w[0], w[1], w[2], w[3]
			t.Run(p.String(), func(t *testing.T) { checkCoopMat(t, g, p, gemmCases(3)) })
		}
	}
	// An fp16 operand is refused by a bf16 plan.
	a := CoopMatInput{Data: g.uploadHalf("a", FP16, make([]float64, 4))}
	s := GemmSpec{M: 2, N: 2, K: 2, Batch: 1, Alpha: 1}
	err := g.o.GemmCoopMat(nil, base, s, a, a, g.output("c", 4), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "bf16") {
		t.Errorf("fp16 inputs to %s: err = %v, want one asking for bf16", base.Variant, err)
	}
}

// TestGemmBF16CoopMat forces the emulated family and runs Gemm's bf16 ×
// bf16 products (C fp32 and bf16) through it: every transpose, bias, GELU,
// residual, beta, a strided batch, sizes that are not multiples of the
// fragment, under the default bf16 plan and one of 2×2 fragments per
// subgroup; each product must be recorded by the family and match GemmRef
// as TestGemmHalf's do. Mixed products, and bf16 ones without a bf16 plan,
// keep the other families.
func TestGemmBF16CoopMat(t *testing.T) {
	g, _ := bf16CoopGPU(t)
	warn := func(msg string) { t.Errorf("unexpected warning: %s", msg) }
	if on, err := g.o.EnableCoopMat(CoopMatEmulate, t.TempDir(), warn); err != nil || !on {
		t.Fatalf("EnableCoopMat(emulate) = %v, %v; want true", on, err)
	}
	plan, ok := g.o.CoopMatInUseFor(BF16)
	if !ok || plan.Inputs() != BF16 {
		t.Fatalf("CoopMatInUseFor(BF16) = %v, %v; want the bf16 emulation", plan, ok)
	}
	checkCoopMatRouted(t, g, plan, BF16, func(p *CoopMatPlan) { g.o.coopBF = p })
	shapes, cfg := coopMatRouteShapes, GemmConfig{Family: "reg", Local: 3, TM: 4, TN: 8}
	before := g.o.CoopMatGemms()
	checkGemmHalf(t, g, cfg, shapes[:2], BF16, FP32, FP32)
	g.o.coopBF = nil
	checkGemmHalf(t, g, cfg, shapes[:2], BF16, BF16, FP32)
	if n := g.o.CoopMatGemms() - before; n != 0 {
		t.Errorf("%d mixed products or bf16 ones without a bf16 plan ran on the cooperative-matrix family, want 0", n)
	}
}

// TestGemmCoopMatBF16NeverChosenWithout: on a device that lists no bf16
// cooperative-matrix shape (both software drivers), no real bf16 variant
// is planned or used, and bf16 products stay on the other families.
func TestGemmCoopMatBF16NeverChosenWithout(t *testing.T) {
	g := newGPU(t)
	if CoopMatListed(g.d.Info, BF16) {
		t.Skipf("%s lists bf16 cooperative matrices", g.d.Info.Name)
	}
	if p, err := g.o.PlanCoopMatFor(BF16, false); !errors.Is(err, ErrNoCoopMat) {
		t.Errorf("no bf16 cooperative matrices on %s, but PlanCoopMatFor(BF16, false) = %v, %v", g.d.Info.Name, p, err)
	}
	warn := func(msg string) { t.Errorf("unexpected warning: %s", msg) }
	if _, err := g.o.EnableCoopMat(CoopMatAuto, t.TempDir(), warn); err != nil {
		t.Fatal(err)
	}
	if p, on := g.o.CoopMatInUseFor(BF16); on {
		t.Fatalf("bf16 family in use on %s: %v", g.d.Info.Name, p)
	}
	if BF16.Supported(g.d.Info) {
		s := GemmSpec{M: 20, N: 18, K: 17, Batch: 1, Alpha: 1, TransB: true}
		checkGemmHalf(t, g, GemmConfig{Family: "reg", Local: 3, TM: 4, TN: 8}, []GemmSpec{s}, BF16, BF16, FP32)
		if n := g.o.CoopMatGemms(); n != 0 {
			t.Errorf("%d bf16 products ran on the cooperative-matrix family of %s, want 0", n, g.d.Info.Name)
		}
	}
}

// TestEnableCoopMatBF16Fallback forces a wrong result in one precision's
// self-check (a reference 1% off): EnableCoopMat warns once naming that
// variant, keeps that precision off the family and the other on, and the
// refused precision's products run (correctly) on the other families.
func TestEnableCoopMatBF16Fallback(t *testing.T) {
	g, bfPlan := bf16CoopGPU(t)
	fpPlan, err := g.o.PlanCoopMat(true)
	if err != nil {
		t.Fatal(err)
	}
	cfg := GemmConfig{Family: "reg", Local: 3, TM: 4, TN: 8}
	s := GemmSpec{M: 21, N: 19, K: 18, Batch: 1, Alpha: 1, TransB: true, Bias: true}
	for _, c := range []struct {
		fail, keep       CoopMatPlan
		failPrec, keepPr Precision
	}{{bfPlan, fpPlan, BF16, FP16}, {fpPlan, bfPlan, FP16, BF16}} {
		t.Run("failing "+c.fail.Variant, func(t *testing.T) {
			dir := t.TempDir()
			if ok, err := New(g.d).checkCoopMat(c.fail, dir, nil, wrongGemmRef); ok || err != nil {
				t.Fatalf("check with a wrong result: %v, %v; want false, nil", ok, err)
			}
			o := New(g.d)
			g.o = o
			var warnings []string
			warn := func(msg string) { warnings = append(warnings, msg) }
			for i := 0; i < 2; i++ {
				if on, err := o.EnableCoopMat(CoopMatEmulate, dir, warn); !on || err != nil {
					t.Fatalf("EnableCoopMat with %v failing = %v, %v; want true (%v passes)", c.failPrec, on, err, c.keepPr)
				}
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], c.fail.Variant) {
				t.Fatalf("warnings %q: want one naming %s", warnings, c.fail.Variant)
			}
			if p, on := o.CoopMatInUseFor(c.failPrec); on {
				t.Errorf("%v family in use after a failed check: %v", c.failPrec, p)
			}
			if p, on := o.CoopMatInUseFor(c.keepPr); !on || p.Variant != c.keep.Variant {
				t.Errorf("%v family: %v, %v; want %s in use", c.keepPr, p, on, c.keep.Variant)
			}
			checkGemmHalf(t, g, cfg, []GemmSpec{s}, c.failPrec, c.failPrec, FP32)
			if n := o.CoopMatGemms(); n != 0 {
				t.Errorf("%d %v products on the refused family, want 0", n, c.failPrec)
			}
			checkGemmHalf(t, g, cfg, []GemmSpec{s}, c.keepPr, c.keepPr, FP32)
			if n := o.CoopMatGemms(); n != 1 {
				t.Errorf("%d %v products on the family, want 1", n, c.keepPr)
			}
		})
	}
}

// TestTunedCoopMatBF16: the bf16 plan takes the workgroup tuned for its
// fp16 twin (same shape and kind), and not one tuned for another variant.
func TestTunedCoopMatBF16(t *testing.T) {
	g, plan := bf16CoopGPU(t)
	cfg := g.o.GemmConfig()
	cfg.CoopMat, cfg.CoopWM, cfg.CoopWN, cfg.CoopFM, cfg.CoopFN, cfg.CoopKSteps = strings.TrimSuffix(plan.Variant, "_bf16"), 1, 2, 1, 1, 1
	g.o.gemm = cfg
	p, ok := g.o.tunedCoopMat(plan)
	if !ok || p.Variant != plan.Variant || p.WM != 1 || p.WN != 2 || p.FM != 1 || p.FN != 1 || p.kSteps() != 1 {
		t.Errorf("tuned for %s 1x2/1x1, K by one fragment: bf16 plan %v, %v; want %s with that blocking", cfg.CoopMat, p, ok, plan.Variant)
	}
	g.o.gemm.CoopMat = coopMatName(coopMatShapes[1], "emu")
	if p, ok := g.o.tunedCoopMat(plan); ok || p != plan {
		t.Errorf("tuned for %s: bf16 plan %v, %v; want the untuned %v", g.o.gemm.CoopMat, p, ok, plan)
	}
}
