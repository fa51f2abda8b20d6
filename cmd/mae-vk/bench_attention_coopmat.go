package main

import (
	"fmt"
	"os"
	"time"

	"github.com/mae-vk/mae-vk/ops"
)

// benchAttentionCoopMat is `bench attention --variant coopmat|coopmat-emu`
// with qkv in prec (fp16 or bf16): the cooperative-matrix attention
// planned for the device (coopmat: only where it lists a shape for prec,
// after the per-device self-check, cached beside the GEMM tuning) or its
// plain-code emulation (coopmat-emu: any device; what lavapipe and
// SwiftShader can time).
func benchAttentionCoopMat(o *ops.Ops, variant string, prec ops.Precision, s ops.AttentionBenchSpec, budget time.Duration) ([]ops.BenchResult, error) {
	emulate := variant == "coopmat-emu"
	if emulate && prec == ops.BF16 && !prec.Supported(o.Device().Info) {
		return nil, fmt.Errorf("--variant %s --precision bf16: the bf16 emulation reads 16-bit storage, which %s lacks", variant, o.Device().Info.Name)
	}
	plan, err := o.PlanAttentionCoopMatFor(prec, s.D, emulate)
	if err != nil && !emulate {
		return nil, fmt.Errorf("--variant %s: %w (coopmat-emu times the emulation)", variant, err)
	}
	if err != nil {
		return nil, fmt.Errorf("--variant %s: %w", variant, err)
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
