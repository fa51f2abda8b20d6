package ops

import (
	"testing"
)

// TestAttentionCoopMatFor checks when the model's fp16 attention is given
// to the cooperative-matrix family: never before EnableCoopMat, never when
// EnableCoopMat leaves the family off (a device without the extension and
// no emulate switch: both software drivers; or emulate without 16-bit
// storage: SwiftShader), never for a head dimension the fragments do not
// divide, and with emulate on a 16-bit device for one they do (its
// self-check not counted by CoopMatAttentions); a failed self-check verdict warns once and falls back.
func TestAttentionCoopMatFor(t *testing.T) {
	g := newGPU(t)
	const d = 32
	noWarn := func(msg string) { t.Errorf("unexpected warning: %s", msg) }
	if _, ok, err := g.o.AttentionCoopMatFor(FP16, d); err != nil || ok {
		t.Fatalf("before EnableCoopMat: AttentionCoopMatFor(%d) = %v, %v; want false", d, ok, err)
	}
	on, err := g.o.EnableCoopMat(CoopMatAuto, t.TempDir(), noWarn)
	if err != nil {
		t.Fatal(err)
	}
	if !on { // software drivers: no VK_KHR/NV_cooperative_matrix
		if _, ok, err := g.o.AttentionCoopMatFor(FP16, d); err != nil || ok {
			t.Fatalf("family off (auto on %s): AttentionCoopMatFor(%d) = %v, %v; want false", g.d.Info.Name, d, ok, err)
		}
	}
	on, err = g.o.EnableCoopMat(CoopMatEmulate, t.TempDir(), noWarn)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := g.o.AttentionCoopMatFor(FP16, d); err != nil || ok != on {
		t.Fatalf("emulate (GEMM family on: %v): AttentionCoopMatFor(%d) = %v, %v", on, d, ok, err)
	}
	if !FP16.Supported(g.d.Info) {
		if on {
			t.Fatalf("emulate enabled the family on %s without 16-bit storage", g.d.Info.Name)
		}
		return
	}
	if !on {
		t.Fatalf("EnableCoopMat(emulate) on %s: family off", g.d.Info.Name)
	}
	plan, _ := g.o.PlanAttentionCoopMat(d, true)
	if _, ok, err := g.o.AttentionCoopMatFor(FP16, d+plan.K/2); err != nil || ok {
		t.Errorf("AttentionCoopMatFor(%d) = %v, %v; want false (not a multiple of %d)", d+plan.K/2, ok, err, plan.K)
	}
	if fwd, bwd := g.o.CoopMatAttentions(); fwd != 0 || bwd != 0 {
		t.Errorf("CoopMatAttentions() = %d, %d after the self-check alone, want 0, 0", fwd, bwd)
	}

	// A failed verdict on file: one warning, then the other families.
	dir := t.TempDir()
	if err := saveCoopMatVerdicts(dir, coopMatCheckFile(dir, g.d.Info),
		map[string]coopMatVerdict{attnCoopMatKey(plan): {Passed: false, RelErr: 1}}); err != nil {
		t.Fatal(err)
	}
	warned := 0
	if on, err := g.o.EnableCoopMat(CoopMatEmulate, dir, func(string) { warned++ }); err != nil || !on {
		t.Fatalf("EnableCoopMat(emulate) = %v, %v", on, err)
	}
	for range 2 {
		if _, ok, err := g.o.AttentionCoopMatFor(FP16, d); err != nil || ok {
			t.Fatalf("failed verdict: AttentionCoopMatFor(%d) = %v, %v; want false", d, ok, err)
		}
	}
	if warned != 1 {
		t.Errorf("%d warnings for a failed attention self-check, want 1", warned)
	}
}
