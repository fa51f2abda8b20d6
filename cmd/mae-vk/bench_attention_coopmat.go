package main

import (
	"fmt"
	"os"
	"time"

	"github.com/mae-vk/mae-vk/ops"
)

// benchAttentionCoopMat is `bench attention --variant coopmat|coopmat-emu`:
// the cooperative-matrix attention planned for the device (coopmat: only
// where it lists an fp16 shape, after the per-device self-check, cached
// beside the GEMM tuning) or its plain-code emulation (coopmat-emu: any
// device; what lavapipe and SwiftShader can time).
func benchAttentionCoopMat(o *ops.Ops, variant string, s ops.AttentionBenchSpec, budget time.Duration) ([]ops.BenchResult, error) {
	plan, err := o.PlanAttentionCoopMat(s.D, variant == "coopmat-emu")
	if err != nil {
		return nil, fmt.Errorf("--variant %s: %w (coopmat-emu times the emulation)", variant, err)
	}
	if !plan.Emulated {
		warn := func(msg string) { fmt.Fprintln(os.Stderr, "mae-vk: warning:", msg) }
		ok, err := o.CheckAttentionCoopMat(plan, ops.TuningDir(), warn)
		if err != nil {
			return nil, fmt.Errorf("--variant %s: %w", variant, err)
		}
		if !ok {
			return nil, fmt.Errorf("--variant %s: %v failed its self-check on this device and driver", variant, plan)
		}
	}
	return o.BenchAttentionCoopMat(s, plan, budget)
}
