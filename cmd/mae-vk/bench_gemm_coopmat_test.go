package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestBenchGemmCoopMatBF16CLI: under MAEVK_COOPMAT=emulate, `bench gemm
// --precision bf16 --coopmat` times the bf16 emulation and
// --check-coopmat checks the bf16 variant beside the fp16 ones; without
// emulation on a device without cooperative matrices (both software
// drivers), --coopmat at bf16 is an error naming bf16. Skipped without
// 16-bit storage (no bf16 products there).
func TestBenchGemmCoopMatBF16CLI(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // self-check verdicts
	args := []string{"bench", "gemm", "--m", "40", "--n", "24", "--k", "32", "--trans-b", "--precision", "bf16", "--coopmat", "--time", "1ms", "--json"}
	if _, err := runCLIErr(t, args...); err != nil && strings.Contains(err.Error(), "no 16-bit storage") {
		t.Skip(err)
	} else if err == nil || !strings.Contains(err.Error(), "bf16") {
		t.Errorf("--precision bf16 --coopmat without cooperative matrices: %v, want an error naming bf16", err)
	}
	t.Setenv("MAEVK_COOPMAT", "emulate")
	out := runCLI(t, args...)
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("bench gemm --coopmat --json: %v\n%s", err, out)
	}
	if v, _ := r["variant"].(string); !strings.Contains(v, "_emu_bf16") {
		t.Errorf("variant %q: want the emulated bf16 plan", v)
	}
	out = runCLI(t, "bench", "gemm", "--check-coopmat", "--json")
	var verdicts []coopMatVerdict
	if err := json.Unmarshal([]byte(out), &verdicts); err != nil {
		t.Fatalf("--check-coopmat --json: %v\n%s", err, out)
	}
	found := false
	for _, v := range verdicts {
		if strings.Contains(v.Variant, "_emu_bf16") {
			found = true
			if !v.Passed {
				t.Errorf("%s failed its check (%.3g)", v.Variant, v.RelErr)
			}
		}
	}
	if !found {
		t.Errorf("--check-coopmat checked %v, no bf16 variant", verdicts)
	}
}
