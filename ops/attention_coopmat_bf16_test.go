package ops

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// attnCoopMatTolBF16 is attnCoopMatTol for bfloat16 qkv: the same
// roundings (P, dO, dS, the stored O) in bfloat16 are 2⁻⁸ relative each
// instead of 2⁻¹¹, eight times the fp16 bound. Measured worst on lavapipe
// (-v logs them): O 1.8e-3, lse 9.0e-5, D 1.6e-7, dqkv 3.2e-3 (fp16: 2.3e-4,
// 1.3e-5, 1.7e-7, 4.5e-4); qkv read as binary16 instead gave O 1.35.
const attnCoopMatTolBF16 = 8 * attnCoopMatTol

// roundBF16 rounds every value to bfloat16 in place.
func roundBF16(v []float64) []float64 {
	for i, x := range v {
		v[i] = float64(HalfValue(BF16, HalfBits(BF16, float32(x))))
	}
	return v
}

// newAttnCoopMatCaseBF16 is newAttnCoopMatCase on bfloat16 qkv, its
// backward reference reading O rounded to bfloat16.
func newAttnCoopMatCaseBF16(seed uint64, b, l, h, d int) attnCoopMatCase {
	r := newTestRand(seed)
	c := attnCoopMatCase{attnCase: attnCase{b: b, l: l, h: h, d: d}}
	c.qkv = roundBF16(randF32(r, b*l*3*h*d, 2.5))
	c.dO = randF32(r, b*l*h*d, 1)
	o, lse := AttentionRef(c.qkv, b, l, h, d)
	c.o, c.lse = o, roundF32(lse)
	c.o16 = roundBF16(append([]float64(nil), o...))
	c.dqkv = AttentionBackwardRef(c.qkv, c.o16, c.dO, c.lse, b, l, h, d)
	c.delta = attnDeltaRef(c.dO, c.o16, b, l, h, d)
	return c
}

// bf16AttnPlan is the emulated bf16 attention plan for head dimension d
// on a device with 16-bit storage (the test skips elsewhere).
func bf16AttnPlan(t *testing.T, g *gpu, d int) AttnCoopMatPlan {
	t.Helper()
	p, err := g.o.PlanAttentionCoopMatFor(BF16, d, true)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Emulated || p.Inputs() != BF16 || !strings.HasSuffix(p.variant(attnForward), "_emu_bf16") {
		t.Fatalf("PlanAttentionCoopMatFor(BF16, %d, true) = %v (inputs %v), want the bf16 emulation", d, p, p.Inputs())
	}
	return p
}

// TestAttentionCoopMatEmulatedBF16 runs the bf16 emulation of the
// cooperative-matrix attention (qkv and O as bfloat16 bits in 16-bit
// storage) forward and backward against the float64 references on the
// awkward shapes of TestAttentionCoopMatEmulated with the planned
// workgroups, and on one of them with the other compiled fragment shapes
// (M ≠ K with its planned workgroups).
func TestAttentionCoopMatEmulatedBF16(t *testing.T) {
	g := halfGPU(t)
	shapes := [][4]int{{2, 50, 3, 32}, {1, 197, 2, 64}, {2, 13, 1, 64}, {3, 17, 2, 32}}
	for i, s := range shapes {
		c := newAttnCoopMatCaseBF16(uint64(240+i), s[0], s[1], s[2], s[3])
		plans := []AttnCoopMatPlan{bf16AttnPlan(t, g, c.d)}
		if i == 3 {
			for _, sh := range coopMatShapes[1:] {
				p := plans[0]
				p.M, p.N, p.K = sh[0], sh[1], sh[2]
				if err := p.fitWorkgroups(g.d.Info); err != nil {
					t.Fatal(err)
				}
				plans = append(plans, p)
			}
		}
		for _, p := range plans {
			t.Run(fmt.Sprintf("%v/%dx%dx%d_wq%v", c, p.M, p.N, p.K, p.WQ), func(t *testing.T) {
				runAttnCoopMat(t, g, p, c).checkTol(t, attnCoopMatTolBF16)
			})
		}
	}
}

// TestAttentionCoopMatBF16NeverChosenWithout: on a device that lists no
// bf16 cooperative-matrix shape (both software drivers) no real bf16
// attention is planned and, without the emulate switch, none is chosen;
// with it, the bf16 attention is chosen only while a bf16 GEMM plan is in
// use (not with the fp16 one alone), and never for fp32 qkv.
func TestAttentionCoopMatBF16NeverChosenWithout(t *testing.T) {
	g := newGPU(t)
	const d = 32
	if CoopMatListed(g.d.Info, BF16) {
		t.Skipf("%s lists bf16 cooperative matrices", g.d.Info.Name)
	}
	if p, err := g.o.PlanAttentionCoopMatFor(BF16, d, false); !errors.Is(err, ErrNoCoopMat) {
		t.Errorf("no bf16 cooperative matrices on %s, but PlanAttentionCoopMatFor(BF16, %d, false) = %v, %v", g.d.Info.Name, d, p, err)
	}
	noWarn := func(msg string) { t.Errorf("unexpected warning: %s", msg) }
	if _, err := g.o.EnableCoopMat(CoopMatAuto, t.TempDir(), noWarn); err != nil {
		t.Fatal(err)
	}
	if p, ok, err := g.o.AttentionCoopMatFor(BF16, d); err != nil || ok {
		t.Fatalf("auto on %s: AttentionCoopMatFor(BF16, %d) = %v, %v, %v; want false", g.d.Info.Name, d, p, ok, err)
	}
	on, err := g.o.EnableCoopMat(CoopMatEmulate, t.TempDir(), noWarn)
	if err != nil {
		t.Fatal(err)
	}
	if !BF16.Supported(g.d.Info) {
		if _, ok, err := g.o.AttentionCoopMatFor(BF16, d); err != nil || ok {
			t.Errorf("emulate without 16-bit storage: AttentionCoopMatFor(BF16, %d) = %v, %v; want false", d, ok, err)
		}
		return
	}
	if !on || !g.o.CoopMatRuns(BF16) {
		t.Fatalf("EnableCoopMat(emulate) on %s: bf16 GEMM family off", g.d.Info.Name)
	}
	p, ok, err := g.o.AttentionCoopMatFor(BF16, d)
	if err != nil || !ok || p.Inputs() != BF16 {
		t.Fatalf("emulate: AttentionCoopMatFor(BF16, %d) = %v, %v, %v; want the bf16 emulation", d, p, ok, err)
	}
	if _, ok, err := g.o.AttentionCoopMatFor(FP32, d); err != nil || ok {
		t.Errorf("AttentionCoopMatFor(FP32, %d) = %v, %v; want false", d, ok, err)
	}
	// The fp16 GEMM plan alone does not make a bf16 attention.
	if on, err := g.o.EnableCoopMat(CoopMatEmulate, t.TempDir(), noWarn); err != nil || !on {
		t.Fatalf("EnableCoopMat(emulate) = %v, %v", on, err)
	}
	g.o.coopBF = nil
	if _, ok, err := g.o.AttentionCoopMatFor(BF16, d); err != nil || ok {
		t.Errorf("no bf16 GEMM plan: AttentionCoopMatFor(BF16, %d) = %v, %v; want false", d, ok, err)
	}
	if p, ok, err := g.o.AttentionCoopMatFor(FP16, d); err != nil || !ok || p.Inputs() != FP16 {
		t.Errorf("AttentionCoopMatFor(FP16, %d) = %v, %v, %v; want the fp16 emulation", d, p, ok, err)
	}
}

// TestAttentionCoopMatBF16Fallback: the bf16 self-check passes on the
// emulation and refuses a wrong reference (O 5% off, above the bf16
// tolerance); a failed bf16 verdict on file warns once naming the bf16
// variant and keeps the bf16 attention off the family while the fp16 one
// stays on.
func TestAttentionCoopMatBF16Fallback(t *testing.T) {
	g := halfGPU(t)
	const d = 32
	plan := bf16AttnPlan(t, g, d)
	var warnings []string
	warn := func(msg string) { warnings = append(warnings, msg) }
	if ok, err := g.o.CheckAttentionCoopMat(plan, "", warn); err != nil || !ok || len(warnings) != 0 {
		t.Fatalf("CheckAttentionCoopMat(%v) = %v, %v, warnings %q; want true", plan, ok, err, warnings)
	}
	wrong := func(qkv []float64, b, l, h, d int) ([]float64, []float64) {
		o, lse := AttentionRef(qkv, b, l, h, d)
		for i := range o {
			o[i] *= 1.05
		}
		return o, lse
	}
	other := bf16AttnPlan(t, g, 64) // another key: d=32 passed
	if ok, err := New(g.d).checkAttentionCoopMat(other, "", warn, wrong); err != nil || ok {
		t.Fatalf("bf16 check with a wrong result: %v, %v; want false, nil", ok, err)
	}

	dir := t.TempDir()
	if err := saveCoopMatVerdicts(dir, coopMatCheckFile(dir, g.d.Info),
		map[string]coopMatVerdict{attnCoopMatKey(plan): {Passed: false, RelErr: 1}}); err != nil {
		t.Fatal(err)
	}
	warnings = nil
	if on, err := g.o.EnableCoopMat(CoopMatEmulate, dir, warn); err != nil || !on {
		t.Fatalf("EnableCoopMat(emulate) = %v, %v", on, err)
	}
	for range 2 {
		if _, ok, err := g.o.AttentionCoopMatFor(BF16, d); err != nil || ok {
			t.Fatalf("failed bf16 verdict: AttentionCoopMatFor(BF16, %d) = %v, %v; want false", d, ok, err)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], attnCoopMatKey(plan)) || !strings.Contains(warnings[0], "_bf16") {
		t.Errorf("warnings %q: want one naming %s", warnings, attnCoopMatKey(plan))
	}
	if p, ok, err := g.o.AttentionCoopMatFor(FP16, d); err != nil || !ok || p.Inputs() != FP16 {
		t.Errorf("fp16 attention after a failed bf16 verdict: %v, %v, %v; want the fp16 emulation", p, ok, err)
	}
}
