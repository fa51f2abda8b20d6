package main

import (
	"fmt"
	"slices"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/urfave/cli/v2"
)

func benchAttentionCommand() *cli.Command {
	return &cli.Command{
		Name:  "attention",
		Usage: "time fused multi-head attention (forward, and --backward) and print GFLOP/s",
		Flags: slices.Concat([]cli.Flag{
			&cli.IntFlag{Name: "batch", Value: 64, Usage: "samples B"},
			&cli.IntFlag{Name: "heads", Value: 4, Usage: "heads H"},
			&cli.IntFlag{Name: "len", Value: 50, Usage: "tokens L"},
			&cli.IntFlag{Name: "head-dim", Value: 32, Usage: "head dimension d"},
			&cli.BoolFlag{Name: "backward", Usage: "time the backward pass too"},
			&cli.BoolFlag{Name: "compare", Usage: "also time the unfused forward (GEMM + softmax + GEMM through our own kernels)"},
			&cli.StringFlag{Name: "variant", Usage: "cpu or gpu family (default: by device type); coopmat (16-bit tensor cores, where the device has them) or coopmat-emu (their plain-code emulation)"},
			&cli.StringFlag{Name: "precision", Value: "fp16", Usage: "with --variant coopmat or coopmat-emu: qkv in fp16 or bf16"},
		}, benchFlags()),
		Action: func(c *cli.Context) error {
			d, o, err := openBenchOps(c, "batch", "heads", "len", "head-dim")
			if err != nil {
				return err
			}
			defer d.Close()
			spec := ops.AttentionBenchSpec{
				B: c.Int("batch"), H: c.Int("heads"), L: c.Int("len"), D: c.Int("head-dim"), Backward: c.Bool("backward"), Compare: c.Bool("compare"),
			}
			var res []ops.BenchResult
			switch v := c.String("variant"); v {
			case "coopmat", "coopmat-emu":
				prec, perr := ops.ParsePrecision(c.String("precision"))
				if perr != nil || !prec.Half() {
					return fmt.Errorf("--precision %q: want fp16 or bf16 with --variant %s", c.String("precision"), v)
				}
				res, err = benchAttentionCoopMat(o, v, prec, spec, c.Duration("time"))
			default:
				if v != "" {
					cfg := o.AttentionConfig()
					if v != cfg.Family {
						cfg = ops.AttentionConfig{Family: v}
					}
					if err := o.SetAttentionConfig(cfg); err != nil {
						return fmt.Errorf("--variant: %w", err)
					}
				}
				res, err = o.BenchAttention(spec, c.Duration("time"))
			}
			if err != nil {
				return err
			}
			if c.Bool("json") {
				if len(res) == 1 {
					return printJSON(res[0])
				}
				return printJSON(res)
			}
			for _, r := range res {
				fmt.Println(r)
			}
			return nil
		},
	}
}
