package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestBenchAttentionCoopMatCLI runs `bench attention --variant
// coopmat-emu` (JSON rows for the forward and the backward) and checks
// that --variant coopmat on a device without cooperative matrices (both
// software drivers) fails with a message pointing at coopmat-emu.
func TestBenchAttentionCoopMatCLI(t *testing.T) {
	args := []string{"bench", "attention", "--batch", "1", "--heads", "1", "--len", "9", "--head-dim", "16", "--backward", "--time", "1ms", "--json"}
	out := runCLI(t, append(args, "--variant", "coopmat-emu")...)
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("bench attention --variant coopmat-emu --json: %v\n%s", err, out)
	}
	if v, _ := rows[0]["variant"].(string); !strings.Contains(v, "attention_coopmat_") || !strings.Contains(v, "_emu") {
		t.Errorf("variant %q: want the emulated coopmat plan", v)
	}
	if _, err := runCLIErr(t, append(args, "--variant", "coopmat")...); err == nil || !strings.Contains(err.Error(), "coopmat-emu") {
		t.Errorf("--variant coopmat without cooperative matrices: %v, want an error naming coopmat-emu", err)
	}
	if _, err := runCLIErr(t, append(args, "--variant", "coopmat-emu", "--precision", "fp32")...); err == nil || !strings.Contains(err.Error(), "--precision") {
		t.Errorf("--precision fp32 with coopmat-emu: %v, want an error naming --precision", err)
	}
	// bf16: the emulated bf16 plan where the device has 16-bit storage
	// (lavapipe), an error saying it lacks it otherwise (SwiftShader).
	out, err := runCLIErr(t, append(args, "--variant", "coopmat-emu", "--precision", "bf16")...)
	switch {
	case err != nil && !strings.Contains(err.Error(), "16-bit storage"):
		t.Errorf("--precision bf16 with coopmat-emu: %v", err)
	case err == nil && !strings.Contains(out, "_emu_bf16"):
		t.Errorf("--precision bf16 with coopmat-emu: %s, want the emulated bf16 plan", out)
	}
}
