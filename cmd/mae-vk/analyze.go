package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mae-vk/mae-vk/analysis"
	"github.com/urfave/cli/v2"
)

func analyzeCommand() *cli.Command {
	return &cli.Command{
		Name:  "analyze",
		Usage: "answer the five questions of \"How to Understand Masked Autoencoders\" on a trained run",
		Description: "Measures the run (and the same architecture at random init, as a control) on the\n" +
			"device: per-layer token norm, effective rank and attention statistics (Q1), the\n" +
			"masked-pixel error inside a patch (Q2), linear CKA between layers (Q3), the spectrum\n" +
			"of the decoder's predictions (Q4), error by distance to the nearest visible patch\n" +
			"beside copy and interpolation baselines and where mask tokens attend (Q5); with\n" +
			"--compare, each run's loss and probe for the patch-size and decoder-depth curves.\n" +
			"Writes OUT/index.html (self-contained), OUT/analysis.json and the PNG plots.",
		Flags: []cli.Flag{
			weightsFlag(),
			&cli.StringSliceFlag{Name: "compare", Usage: "another run for the across-run plots (repeatable)"},
			splitsDataFlag(),
			&cli.IntFlag{Name: "images", Value: 64, Usage: "test images for the single-model measurements"},
			&cli.IntFlag{Name: "probe-train", Value: 5000, Usage: "train images of each run's probe"},
			&cli.IntFlag{Name: "probe-test", Value: 2000, Usage: "test images of each run's probe and loss"},
			&cli.Uint64Flag{Name: "seed", Usage: "seeds the masks"},
			&cli.StringFlag{Name: "out", Usage: "output directory (required)"},
		},
		Action: runAnalyze,
	}
}

func runAnalyze(c *cli.Context) error {
	if err := requireWeights(c); err != nil {
		return err
	}
	if c.String("out") == "" {
		return fmt.Errorf("--out: required: the directory to write index.html, analysis.json and the plots into")
	}
	d, o, err := openOps(c, false)
	if err != nil {
		return err
	}
	defer d.Close()
	cfg := analysis.AnalyzeConfig{
		Weights: c.String("weights"), Compare: c.StringSlice("compare"), Data: c.String("data"),
		Images: c.Int("images"), ProbeTrain: c.Int("probe-train"), ProbeTest: c.Int("probe-test"),
		Seed: c.Uint64("seed"), Out: c.String("out"),
		Log: func(s string) { fmt.Fprintln(os.Stderr, s) },
	}
	a, err := analysis.Analyze(c.Context, o, cfg)
	if err != nil {
		return err
	}
	if err := analysis.WriteReport(cfg.Out, a); err != nil {
		return err
	}
	fmt.Printf("wrote %s, %s and %d plots\n", filepath.Join(cfg.Out, "index.html"), filepath.Join(cfg.Out, "analysis.json"), len(a.Plots))
	return nil
}
