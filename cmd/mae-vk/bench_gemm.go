package main

import (
	"fmt"
	"os"
	"slices"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/urfave/cli/v2"
)

func benchGemmCommand() *cli.Command {
	return &cli.Command{
		Name:  "gemm",
		Usage: "time C = op(A)·op(B) and print GFLOP/s; --tune searches this device's best kernel shape",
		Flags: slices.Concat([]cli.Flag{
			&cli.IntFlag{Name: "m", Value: 1024, Usage: "rows of C"},
			&cli.IntFlag{Name: "n", Value: 1024, Usage: "columns of C"},
			&cli.IntFlag{Name: "k", Value: 1024, Usage: "inner dimension"},
			&cli.IntFlag{Name: "batch", Value: 1, Usage: "independent products (strided batch)"},
			&cli.BoolFlag{Name: "trans-a", Usage: "A is stored K×M"},
			&cli.BoolFlag{Name: "trans-b", Usage: "B is stored N×K"},
			&cli.BoolFlag{Name: "bias", Usage: "fuse + bias"},
			&cli.BoolFlag{Name: "gelu", Usage: "fuse exact GELU (after the bias)"},
			&cli.BoolFlag{Name: "tune", Usage: "try every kernel shape on this product and store the fastest for this device"},
			&cli.StringFlag{Name: "variant", Usage: "force a family: reg (CPU-shaped) or tiled (GPU-shaped), default shapes"},
			&cli.StringFlag{Name: "precision", Value: "fp32", Usage: "storage of A and B: fp32, fp16 or bf16 (C fp32); fp16 and bf16 products run on cooperative matrices where the device has them (MAEVK_COOPMAT=off: never)"},
			&cli.BoolFlag{Name: "coopmat", Usage: "time the cooperative-matrix (tensor-core) family, A and B bf16 with --precision bf16, else fp16; an error on a device without it (MAEVK_COOPMAT=emulate: its emulation)"},
			&cli.BoolFlag{Name: "check-coopmat", Usage: "run the self-check of every cooperative-matrix variant this device would use (fp16 and bf16), now, and print each verdict"},
		}, benchFlags()),
		Action: runBenchGemm,
	}
}

func runBenchGemm(c *cli.Context) error {
	d, o, err := openBenchOps(c, "m", "n", "k", "batch")
	if err != nil {
		return err
	}
	defer d.Close()
	if v := c.String("variant"); v != "" {
		cfg := ops.DefaultGemmConfig(d.Info)
		if v != cfg.Family {
			other := d.Info
			if v == "reg" {
				other.Type = "cpu"
			} else {
				other.Type = "discrete"
			}
			cfg = ops.DefaultGemmConfig(other)
		}
		if err := o.SetGemmConfig(cfg); err != nil {
			return fmt.Errorf("--variant %s: %w", v, err)
		}
	}
	if c.Bool("check-coopmat") {
		return checkCoopMatCommand(c, o)
	}
	prec, err := ops.ParsePrecision(c.String("precision"))
	if err != nil {
		return fmt.Errorf("--precision: %w", err)
	}
	if !prec.Supported(d.Info) {
		return fmt.Errorf("--precision %v: %s has no 16-bit storage; use fp32", prec, d.Info.Name)
	}
	s := ops.GemmSpec{
		M: c.Int("m"), N: c.Int("n"), K: c.Int("k"), Batch: c.Int("batch"), Alpha: 1,
		TransA: c.Bool("trans-a"), TransB: c.Bool("trans-b"), Bias: c.Bool("bias"), GELU: c.Bool("gelu"),
		AType: prec, BType: prec,
	}
	if s.Batch > 1 {
		s.StrideA, s.StrideB, s.StrideC = s.M*s.K, s.K*s.N, s.M*s.N
	}
	if c.Bool("coopmat") {
		return benchCoopMat(c, o, s)
	}
	if c.Bool("tune") {
		report := func(r ops.BenchResult) {
			if !c.Bool("json") {
				fmt.Fprintln(os.Stderr, r)
			}
		}
		best, err := o.TuneGemm(s, c.Duration("time")/4, report)
		if err != nil {
			return err
		}
		if err := tuneCoopMat(c, o, s, report); err != nil {
			return err
		}
		path, err := o.SaveGemmTuning(ops.TuningDir())
		if err != nil {
			return err
		}
		if !c.Bool("json") {
			fmt.Printf("best on %s: %v (saved to %s)\n", d.Info.Name, best, path)
		}
	}
	r, err := o.BenchGemm(s, c.Duration("time"))
	return printBench(c, r, err)
}

// printBench prints r as text or, with --json, as JSON, unless err.
func printBench(c *cli.Context, r ops.BenchResult, err error) error {
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(r)
	}
	fmt.Println(r)
	return nil
}
