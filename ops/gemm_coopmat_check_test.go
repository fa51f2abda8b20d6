package ops

import (
	"os"
	"strings"
	"testing"
)

// TestCoopMatSelfCheck runs the per-device check on the emulated variant:
// it passes, is stored under the device and driver version, and is not run
// again.
func TestCoopMatSelfCheck(t *testing.T) {
	g := newGPU(t)
	plan, err := g.o.PlanCoopMat(true)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	warn := func(msg string) { t.Errorf("unexpected warning: %s", msg) }
	ok, err := g.o.CheckCoopMat(plan, dir, warn)
	if err != nil || !ok {
		t.Fatalf("CheckCoopMat(%v) = %v, %v; want true", plan, ok, err)
	}
	if _, err := os.Stat(coopMatCheckFile(dir, g.d.Info)); err != nil {
		t.Fatalf("verdict not stored: %v", err)
	}
	never := func(GemmSpec, []float64, []float64, []float64, []float64, []float64) { t.Fatal("check ran again") }
	if ok, err := g.o.checkCoopMat(plan, dir, warn, never); err != nil || !ok {
		t.Errorf("cached verdict: %v, %v; want true", ok, err)
	}
}

// TestCoopMatSelfCheckFallback forces a wrong result in the check (a
// reference 1% off): the variant is refused, the warning names it once per
// Ops, and the refusal is cached for the device and driver.
func TestCoopMatSelfCheckFallback(t *testing.T) {
	g := newGPU(t)
	plan, err := g.o.PlanCoopMat(true)
	if err != nil {
		t.Fatal(err)
	}
	var warnings []string
	warn := func(msg string) { warnings = append(warnings, msg) }
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		if ok, err := g.o.checkCoopMat(plan, dir, warn, wrongGemmRef); err != nil || ok {
			t.Fatalf("call %d with a wrong result: %v, %v; want false, nil", i, ok, err)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], plan.Variant) {
		t.Fatalf("warnings %q: want one naming %s", warnings, plan.Variant)
	}
	// A new Ops on the same device reads the refusal instead of checking again.
	never := func(GemmSpec, []float64, []float64, []float64, []float64, []float64) { t.Fatal("check ran again") }
	if ok, err := New(g.d).checkCoopMat(plan, dir, warn, never); err != nil || ok {
		t.Errorf("cached refusal: %v, %v; want false", ok, err)
	}
	if len(warnings) != 2 {
		t.Errorf("%d warnings after a new Ops, want 2", len(warnings))
	}
}

// wrongGemmRef is GemmRef 1% off: a self-check against it fails.
func wrongGemmRef(s GemmSpec, a, b, c, bias, res []float64) {
	GemmRef(s, a, b, c, bias, res)
	for i := range c {
		c[i] *= 1.01
	}
}
