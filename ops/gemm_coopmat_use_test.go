package ops

import (
	"fmt"
	"strings"
	"testing"
)

// TestGemmHalfCoopMat forces the emulated cooperative-matrix family and
// runs Gemm's fp16 × fp16 products (C fp32 and fp16) through it: every
// transpose, bias, GELU, residual, beta, a strided batch, and sizes that
// are not multiples of the fragment, under the default plan and one of
// 2×2 fragments per subgroup; each product must be recorded by the
// family (CoopMatGemms) and match GemmRef as TestGemmHalf's do.
func TestGemmHalfCoopMat(t *testing.T) {
	g := halfGPU(t)
	warn := func(msg string) { t.Errorf("unexpected warning: %s", msg) }
	if on, err := g.o.EnableCoopMat(CoopMatEmulate, t.TempDir(), warn); err != nil || !on {
		t.Fatalf("EnableCoopMat(emulate) = %v, %v; want true", on, err)
	}
	plan, _ := g.o.CoopMatInUse()
	checkCoopMatRouted(t, g, plan, FP16, func(p *CoopMatPlan) { g.o.coop = p })
	shapes, cfg := coopMatRouteShapes, GemmConfig{Family: "reg", Local: 3, TM: 4, TN: 8}
	// bf16 products without a bf16 plan (TestGemmBF16CoopMat runs them with
	// one), and mixed products, keep the other families.
	g.o.coopBF = nil
	before := g.o.CoopMatGemms()
	checkGemmHalf(t, g, cfg, shapes[:2], BF16, BF16, FP32)
	checkGemmHalf(t, g, cfg, shapes[:2], FP16, FP32, FP32)
	if n := g.o.CoopMatGemms() - before; n != 0 {
		t.Errorf("%d bf16 or mixed products ran on the cooperative-matrix family, want 0", n)
	}
}

// TestTuneCoopMat tunes the emulated family on a small fp16 product: the
// choice is "off" or one of the candidates, survives a save and load, and
// EnableCoopMat then runs what was chosen. (What wins is not checked.)
func TestTuneCoopMat(t *testing.T) {
	g := halfGPU(t)
	cands := g.o.CoopMatCandidates(true)
	if len(cands) < 2 {
		t.Fatalf("emulated candidates %v: want several workgroups", cands)
	}
	dir := t.TempDir()
	warn := func(msg string) { t.Errorf("unexpected warning: %s", msg) }
	s := GemmSpec{M: 40, N: 24, K: 32, Batch: 1, Alpha: 1, TransB: true, Bias: true}
	cfg, err := g.o.TuneCoopMat(s, true, dir, 0, warn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.o.SaveGemmTuning(dir); err != nil {
		t.Fatal(err)
	}
	o := New(g.d)
	if found, err := o.LoadGemmTuning(dir); err != nil || !found || o.GemmConfig() != cfg {
		t.Fatalf("loaded %v (found %v, %v), want %v", o.GemmConfig(), found, err, cfg)
	}
	on, err := o.EnableCoopMat(CoopMatEmulate, dir, warn)
	if err != nil || !on {
		t.Fatalf("EnableCoopMat after tuning: %v, %v", on, err)
	}
	p, _ := o.CoopMatInUse()
	if cfg.CoopMat != "off" && (p.Variant != cfg.CoopMat || p.WM != cfg.CoopWM || p.WN != cfg.CoopWN || p.FM != cfg.CoopFM || p.FN != cfg.CoopFN) {
		t.Errorf("tuned %+v, in use %v", cfg, p)
	}
	t.Logf("tuned: %+v; in use %v", cfg, p)
}

// TestEnableCoopMatFallback forces a wrong result in the self-check (a
// reference 1% off) for the variant EnableCoopMat would use: it then
// warns once naming the variant, keeps the family out of use, and Gemm's
// fp16 products run (correctly) on the other families.
func TestEnableCoopMatFallback(t *testing.T) {
	g := halfGPU(t)
	plan, err := g.o.PlanCoopMat(true)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if ok, err := New(g.d).checkCoopMat(plan, dir, nil, wrongGemmRef); ok || err != nil {
		t.Fatalf("check with a wrong result: %v, %v; want false, nil", ok, err)
	}
	var warnings []string
	warn := func(msg string) { warnings = append(warnings, msg) }
	for i := 0; i < 2; i++ {
		// The bf16 plan passes its own check and stays on
		// (TestEnableCoopMatBF16Fallback): only fp16 is refused.
		if _, err := g.o.EnableCoopMat(CoopMatEmulate, dir, warn); err != nil {
			t.Fatalf("EnableCoopMat after a failed check: %v", err)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], plan.Variant) {
		t.Fatalf("warnings %q: want one naming %s", warnings, plan.Variant)
	}
	if p, on := g.o.CoopMatInUse(); on {
		t.Fatalf("family in use after a failed check: %v", p)
	}
	s := GemmSpec{M: 21, N: 19, K: 18, Batch: 1, Alpha: 1, TransB: true, Bias: true}
	checkGemmHalf(t, g, GemmConfig{Family: "reg", Local: 3, TM: 4, TN: 8}, []GemmSpec{s}, FP16, FP16, FP32)
	if n := g.o.CoopMatGemms(); n != 0 {
		t.Errorf("%d products on the refused family, want 0", n)
	}
}

// coopMatRouteShapes are the products the routing tests hand Gemm: every
// layout and epilogue, awkward sizes, a strided batch.
var coopMatRouteShapes = []GemmSpec{
	{M: 19, N: 12, K: 8, Batch: 1, Alpha: 1, Bias: true},
	{M: 37, N: 21, K: 35, Batch: 1, Alpha: 1, TransB: true, Bias: true, Residual: true},
	{M: 8, N: 4, K: 5, Batch: 1, Alpha: 1, TransA: true, GELU: true},
	{M: 33, N: 17, K: 40, Batch: 1, Alpha: 1, TransA: true, TransB: true, Bias: true, GELU: true},
	{M: 13, N: 7, K: 9, Batch: 1, Alpha: 0.5, Beta: 0.25, TransB: true},
	{M: 5, N: 8, K: 12, Batch: 3, StrideA: 64, StrideB: 0, StrideC: 40, Alpha: 1},
}

// checkCoopMatRouted runs coopMatRouteShapes through Gemm with in × in
// operands and C in fp32 or in, under plan and under 1×2 subgroups of 2×2
// fragments (each made the plan in use by use, as EnableCoopMat would):
// every product must match the reference and run on the family.
func checkCoopMatRouted(t *testing.T, g *gpu, plan CoopMatPlan, in Precision, use func(*CoopMatPlan)) {
	t.Helper()
	frags := plan
	frags.WM, frags.WN, frags.FM, frags.FN = 1, 2, 2, 2
	cfg := GemmConfig{Family: "reg", Local: 3, TM: 4, TN: 8}
	for _, p := range []CoopMatPlan{plan, frags} {
		use(&p)
		for _, ct := range []Precision{FP32, in} {
			t.Run(fmt.Sprintf("%v/C%v", p, ct), func(t *testing.T) {
				before := g.o.CoopMatGemms()
				checkGemmHalf(t, g, cfg, coopMatRouteShapes, in, in, ct)
				if n := g.o.CoopMatGemms() - before; n != len(coopMatRouteShapes) {
					t.Errorf("%d of %d products ran on the cooperative-matrix family", n, len(coopMatRouteShapes))
				}
			})
		}
	}
}
