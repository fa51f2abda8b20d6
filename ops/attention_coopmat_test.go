package ops

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mae-vk/mae-vk/vk"
)

// attnCoopMatTol is the relative error allowed for O, lse, D and dqkv of
// the cooperative-matrix attention on qkv rounded to binary16: P,
// dO, dS and the stored O are rounded to binary16 (2⁻¹¹ relative each),
// the rest is float32. Measured worst on lavapipe and SwiftShader (alike):
// O 2.3e-4, lse 1.3e-5, D 1.7e-7, dqkv 4.5e-4 (-v logs them); a zero key
// let into the softmax at L = 17 gave O 1.3e-2.
const attnCoopMatTol = 1e-3

// round16 rounds every value to binary16 in place.
func round16(v []float64) []float64 {
	for i, x := range v {
		v[i] = halfValue(halfBits(float32(x)))
	}
	return v
}

// attnCoopMatCase is an attention case on binary16 qkv: its backward
// reference reads O rounded to binary16, as stored by the forward.
type attnCoopMatCase struct {
	attnCase
	o16 []float64
}

func newAttnCoopMatCase(seed uint64, b, l, h, d int) attnCoopMatCase {
	r := newTestRand(seed)
	c := attnCoopMatCase{attnCase: attnCase{b: b, l: l, h: h, d: d}}
	c.qkv = round16(randF32(r, b*l*3*h*d, 2.5))
	c.dO = randF32(r, b*l*h*d, 1) // float32: the kernels round it when staging
	o, lse := AttentionRef(c.qkv, b, l, h, d)
	c.o, c.lse = o, roundF32(lse)
	c.o16 = round16(append([]float64(nil), o...))
	c.dqkv = AttentionBackwardRef(c.qkv, c.o16, c.dO, c.lse, b, l, h, d)
	c.delta = attnDeltaRef(c.dO, c.o16, b, l, h, d)
	return c
}

// runAttnCoopMat records the forward and the backward of c under plan
// (the backward on the reference O and lse) into NaN-poisoned outputs and
// returns the relative errors.
func runAttnCoopMat(t *testing.T, g *gpu, plan AttnCoopMatPlan, c attnCoopMatCase) attnErrors {
	t.Helper()
	b, l, h, d := c.b, c.l, c.h, c.d
	in := newAttnCoopMatInputs(g.o, plan)
	t.Cleanup(in.release)
	out, err := in.stored("out", b*l*h*d) // NaN-poisoned
	if err != nil {
		t.Fatal(err)
	}
	lse := g.output("lse", b*h*l)
	delta := g.output("delta", b*h*l)
	dqkv := g.output("dqkv", b*l*3*h*d)
	refLse, dO := g.upload("refLse", c.lse), g.upload("dO", c.dO)
	g.run(func(r *vk.Recording) error {
		qkv, err := in.input(r, "qkv", c.qkv)
		if err != nil {
			return err
		}
		refO, err := in.input(r, "refO", c.o16)
		if err != nil {
			return err
		}
		if err := g.o.AttentionCoopMat(r, plan, qkv, out, lse, b, l, h, d); err != nil {
			return err
		}
		return g.o.AttentionBackwardCoopMat(r, plan, qkv, refO, dO, refLse, delta, dqkv, b, l, h, d)
	})
	gotO, err := in.read(out, b*l*h*d)
	if err != nil {
		t.Fatal(err)
	}
	o := make([]float64, len(gotO))
	for i, x := range gotO {
		o[i] = float64(x)
	}
	return attnErrors{
		o:     relErr(o, c.o),
		lse:   relErr(g.download(lse, b*h*l), c.lse),
		delta: relErr(g.download(delta, b*h*l), c.delta),
		dqkv:  relErr(g.download(dqkv, b*l*3*h*d), c.dqkv),
	}
}

func (e attnErrors) checkTol(t *testing.T, tol float64) {
	t.Helper()
	t.Logf("relative errors: O %.3g, lse %.3g, D %.3g, dqkv %.3g", e.o, e.lse, e.delta, e.dqkv)
	for _, x := range []struct {
		name string
		err  float64
	}{{"O", e.o}, {"lse", e.lse}, {"D", e.delta}, {"dqkv", e.dqkv}} {
		if !(x.err <= tol) {
			t.Errorf("%s: relative error %.3g > %.3g", x.name, x.err, tol)
		}
	}
}

// TestAttentionCoopMatEmulated runs the cooperative-matrix attention's
// sources, compiled with the subgroup emulation, forward and backward
// against the float64 references on awkward shapes (L not a multiple of
// the fragment, L below one fragment, head dimensions 32 and 64, several
// heads, B > 1), for each compiled fragment shape, with the planned
// workgroups and with one subgroup per workgroup, and once with the
// batch loop of the kernels (z workgroups capped below B).
func TestAttentionCoopMatEmulated(t *testing.T) {
	g := newGPU(t)
	shapes := [][4]int{{2, 50, 3, 32}, {1, 197, 2, 64}, {2, 13, 1, 64}, {3, 17, 2, 32}}
	var cases []attnCoopMatCase
	for i, s := range shapes {
		cases = append(cases, newAttnCoopMatCase(uint64(140+i), s[0], s[1], s[2], s[3]))
	}
	for _, c := range cases {
		base, err := g.o.PlanAttentionCoopMat(c.d, true)
		if err != nil {
			t.Fatal(err)
		}
		if !base.Emulated {
			t.Fatalf("PlanAttentionCoopMat(%d, true) = %v, want the emulation", c.d, base)
		}
		// The planned fragment shape with the planned workgroups (several
		// subgroups), and every other compiled shape with one subgroup per
		// workgroup (each specialization is a pipeline compile that takes
		// llvmpipe a minute or more); a shape with M ≠ K (8x16x16: a
		// workgroup's WQ·M query rows are not a multiple of the K-row tiles
		// it streams) also with the workgroups planned for it.
		plans := []AttnCoopMatPlan{base}
		for _, sh := range coopMatShapes {
			p := base
			p.M, p.N, p.K, p.WQ = sh[0], sh[1], sh[2], [3]int{1, 1, 1}
			if sh == [3]int{base.M, base.N, base.K} {
				continue
			}
			plans = append(plans, p)
			if sh[0] != sh[2] {
				if err := p.fitWorkgroups(g.d.Info); err != nil {
					t.Fatal(err)
				}
				if p.WQ != [3]int{1, 1, 1} {
					plans = append(plans, p)
				}
			}
		}
		for _, p := range plans {
			t.Run(fmt.Sprintf("%v/%dx%dx%d_wq%v", c, p.M, p.N, p.K, p.WQ), func(t *testing.T) {
				runAttnCoopMat(t, g, p, c).checkTol(t, attnCoopMatTol)
			})
		}
	}
	t.Run("batch_loop", func(t *testing.T) {
		saved := attnMaxBatchGroups
		attnMaxBatchGroups = 2
		defer func() { attnMaxBatchGroups = saved }()
		p, err := g.o.PlanAttentionCoopMat(32, true)
		if err != nil {
			t.Fatal(err)
		}
		runAttnCoopMat(t, g, p, cases[3]).checkTol(t, attnCoopMatTol)
	})
}

// TestAttentionCoopMatPlan checks the planning: never a real variant on a
// device without cooperative matrices (both software drivers), head
// dimensions that are not a multiple of the fragment refused, and every
// planned workgroup within the device's invocation and shared-memory
// limits.
func TestAttentionCoopMatPlan(t *testing.T) {
	g := newGPU(t)
	_, ok := g.d.Info.FindCoopMat(vk.ComponentFloat16, vk.ComponentFloat32)
	p, err := g.o.PlanAttentionCoopMat(64, false)
	switch {
	case ok && (err != nil || p.Emulated):
		t.Errorf("device lists a shape but PlanAttentionCoopMat = %v, %v", p, err)
	case !ok && !errors.Is(err, ErrNoCoopMat):
		t.Errorf("no cooperative matrices on %s, but PlanAttentionCoopMat(64, false) = %v, %v", g.d.Info.Name, p, err)
	}
	for _, d := range []int{8, 20, 40} {
		if p, err := g.o.PlanAttentionCoopMat(d, true); err == nil {
			t.Errorf("d=%d is not a multiple of 16, but PlanAttentionCoopMat = %v", d, p)
		}
	}
	for _, d := range []int{16, 32, 64} {
		p, err := g.o.PlanAttentionCoopMat(d, true)
		if err != nil {
			t.Fatalf("d=%d: %v", d, err)
		}
		elem := 4
		if p.halfInputs {
			elem = 2
		}
		for pass, wq := range p.WQ {
			if wq*p.Lanes > g.d.Info.MaxInvocations || attnCoopMatShared(attnPass(pass), wq*p.M, p.K, d, elem) > g.d.Info.SharedMemoryBytes {
				t.Errorf("%v: %s does not fit the device", p, attnPassNames[pass])
			}
		}
	}
}

// TestAttentionCoopMatSelfCheck runs the per-device check on the emulated
// plan: it passes and is stored under the device and driver version; then
// a wrong reference (O 1% off, under a new key) is refused, warned about
// once per Ops naming the variant, and the refusal is cached.
func TestAttentionCoopMatSelfCheck(t *testing.T) {
	g := newGPU(t)
	plan, err := g.o.PlanAttentionCoopMat(32, true)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var warnings []string
	warn := func(msg string) { warnings = append(warnings, msg) }
	if ok, err := g.o.CheckAttentionCoopMat(plan, dir, warn); err != nil || !ok || len(warnings) != 0 {
		t.Fatalf("CheckAttentionCoopMat(%v) = %v, %v, warnings %q; want true", plan, ok, err, warnings)
	}
	if _, err := os.Stat(coopMatCheckFile(dir, g.d.Info)); err != nil {
		t.Fatalf("verdict not stored: %v", err)
	}
	never := func([]float64, int, int, int, int) ([]float64, []float64) {
		t.Fatal("check ran again")
		return nil, nil
	}
	if ok, err := g.o.checkAttentionCoopMat(plan, dir, warn, never); err != nil || !ok {
		t.Errorf("cached verdict: %v, %v; want true", ok, err)
	}

	wrong := func(qkv []float64, b, l, h, d int) ([]float64, []float64) {
		o, lse := AttentionRef(qkv, b, l, h, d)
		for i := range o {
			o[i] *= 1.01
		}
		return o, lse
	}
	if plan, err = g.o.PlanAttentionCoopMat(64, true); err != nil { // another key: d=32 is cached
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if ok, err := g.o.checkAttentionCoopMat(plan, dir, warn, wrong); err != nil || ok {
			t.Fatalf("call %d with a wrong result: %v, %v; want false, nil", i, ok, err)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], attnCoopMatKey(plan)) {
		t.Fatalf("warnings %q: want one naming %s", warnings, attnCoopMatKey(plan))
	}
	if ok, err := New(g.d).checkAttentionCoopMat(plan, dir, warn, never); err != nil || ok {
		t.Errorf("cached refusal: %v, %v; want false", ok, err)
	}
	if len(warnings) != 2 {
		t.Errorf("%d warnings after a new Ops, want 2", len(warnings))
	}
}

// TestBenchAttentionCoopMatSmoke runs the benchmark of the emulated
// cooperative-matrix attention once on a tiny shape: both rows, timed.
func TestBenchAttentionCoopMatSmoke(t *testing.T) {
	g := newGPU(t)
	plan, err := g.o.PlanAttentionCoopMat(16, true)
	if err != nil {
		t.Fatal(err)
	}
	res, err := g.o.BenchAttentionCoopMat(AttentionBenchSpec{B: 2, H: 2, L: 9, D: 16, Backward: true}, plan, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Op != "attention" || res[1].Op != "attention_bwd" || !(res[0].MedianMs > 0) || res[0].Variant != plan.String() {
		t.Errorf("results %+v", res)
	}
}
