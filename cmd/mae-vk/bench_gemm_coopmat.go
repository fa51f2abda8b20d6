package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/urfave/cli/v2"
)

// coopMatMode is MAEVK_COOPMAT: auto (default), off or emulate.
func coopMatMode() (ops.CoopMatMode, error) {
	mode, err := ops.ParseCoopMatMode(os.Getenv("MAEVK_COOPMAT"))
	if err != nil {
		return mode, fmt.Errorf("MAEVK_COOPMAT: %w", err)
	}
	return mode, nil
}

// coopMatCandidates are the cooperative-matrix plans of this device
// under MAEVK_COOPMAT (none when off, emulated ones when emulate).
func coopMatCandidates(o *ops.Ops) ([]ops.CoopMatPlan, bool, error) {
	mode, err := coopMatMode()
	if err != nil || mode == ops.CoopMatOff {
		return nil, false, err
	}
	emulate := mode == ops.CoopMatEmulate
	return o.CoopMatCandidates(emulate), emulate, nil
}

// benchCoopMat times s with the cooperative-matrix plan in use for its
// inputs (the tuned one, or PlanCoopMatFor's): bf16 A and B for
// --precision bf16, fp16 otherwise.
func benchCoopMat(c *cli.Context, o *ops.Ops, s ops.GemmSpec) error {
	in := ops.FP16
	if s.AType == ops.BF16 {
		in = ops.BF16
	}
	plan, on := o.CoopMatInUseFor(in)
	if !on {
		return fmt.Errorf("--coopmat: no %v cooperative-matrix GEMM in use on %s (no extension or shape, a failed self-check, or MAEVK_COOPMAT=off; MAEVK_COOPMAT=emulate times the emulation)",
			in, o.Device().Info.Name)
	}
	r, err := o.BenchGemmCoopMat(s, plan, c.Duration("time"))
	return printBench(c, r, err)
}

// tuneCoopMat times the cooperative-matrix candidates on s in fp16 against
// the tuned fp16 product of the other families, and keeps the choice in
// the configuration that --tune saves.
func tuneCoopMat(c *cli.Context, o *ops.Ops, s ops.GemmSpec, report func(ops.BenchResult)) error {
	cands, emulate, err := coopMatCandidates(o)
	if err != nil || len(cands) == 0 {
		return err
	}
	warn := func(msg string) { fmt.Fprintln(os.Stderr, "mae-vk: warning:", msg) }
	cfg, err := o.TuneCoopMat(s, emulate, ops.TuningDir(), c.Duration("time")/4, warn, report)
	if err != nil {
		return err
	}
	mode := ops.CoopMatAuto
	if emulate {
		mode = ops.CoopMatEmulate
	}
	if _, err := o.EnableCoopMat(mode, ops.TuningDir(), warn); err != nil {
		return err
	}
	switch {
	case c.Bool("json"):
	case cfg.CoopMat == "off":
		fmt.Fprintln(os.Stderr, "cooperative matrices for fp16 products: off (slower here than the family above)")
	default:
		fmt.Fprintf(os.Stderr, "cooperative matrices for fp16 products: %s, %dx%d subgroups of %dx%d fragments, K staged %d fragments at a time\n",
			cfg.CoopMat, cfg.CoopWM, cfg.CoopWN, cfg.CoopFM, cfg.CoopFN, max(cfg.CoopKSteps, 1))
	}
	return nil
}

// coopMatVerdict is one line of --check-coopmat.
type coopMatVerdict struct {
	Device  string  `json:"device"`
	Variant string  `json:"variant"`
	RelErr  float64 `json:"rel_err"`
	Passed  bool    `json:"passed"`
}

// checkCoopMatCommand runs the self-check of every candidate (each
// variant at each blocking tuning may choose, and the bf16 plan where
// there is one) now, not cached, and prints the verdicts; a failed
// candidate makes it fail.
func checkCoopMatCommand(c *cli.Context, o *ops.Ops) error {
	cands, emulate, err := coopMatCandidates(o)
	if err != nil {
		return err
	}
	if mode, _ := coopMatMode(); mode != ops.CoopMatOff {
		if p, err := o.PlanCoopMatFor(ops.BF16, emulate); err == nil {
			cands = append(cands, p)
		} else if !errors.Is(err, ops.ErrNoCoopMat) {
			return fmt.Errorf("--check-coopmat: bf16: %w", err)
		}
	}
	out := []coopMatVerdict{}
	failed := 0
	for _, p := range cands {
		e, err := o.CoopMatCheckError(p)
		if err != nil {
			return fmt.Errorf("--check-coopmat %s: %w", p.Variant, err)
		}
		v := coopMatVerdict{Device: o.Device().Info.Name, Variant: p.String(), RelErr: e, Passed: e < 1e-4}
		if !v.Passed {
			failed++
		}
		out = append(out, v)
		if !c.Bool("json") {
			fmt.Printf("%s: %s relative error %.3g, %s\n", v.Device, v.Variant, v.RelErr, map[bool]string{true: "passed", false: "FAILED"}[v.Passed])
		}
	}
	if c.Bool("json") {
		if err := printJSON(out); err != nil {
			return err
		}
	} else if len(out) == 0 {
		fmt.Printf("%s: no cooperative-matrix variant to check (%s)\n", o.Device().Info.Name, o.Device().Info.CoopMatSummary())
	}
	if failed > 0 {
		return fmt.Errorf("--check-coopmat: %d of %d variants failed their self-check", failed, len(out))
	}
	return nil
}
