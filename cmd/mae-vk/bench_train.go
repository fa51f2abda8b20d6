package main

import (
	"fmt"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/urfave/cli/v2"
)

func benchTrainCommand() *cli.Command {
	return &cli.Command{
		Name:  "train",
		Usage: "time whole training steps (forward + backward + AdamW) and each kernel in them",
		Flags: append(append(modelFlags(), distFlags()...), []cli.Flag{
			&cli.IntFlag{Name: "batch", Value: 256, Usage: "images per step"},
			&cli.IntFlag{Name: "steps", Value: 10, Usage: "timed steps (after 2 warm-up steps)"},
			&cli.IntFlag{Name: "top", Value: 15, Usage: "kernels to list"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
			precisionFlag(),
		}...),
		Action: func(c *cli.Context) error {
			if err := requirePositive(c, "batch", "steps"); err != nil {
				return err
			}
			g, err := joinGroup(c)
			if err != nil {
				return err
			}
			return g.finish(benchTrainIn(c, g))
		},
	}
}

// benchTrainIn runs the training bench, as one rank of a data-parallel
// group under MPI: rank 0 prints every rank's images/s, the global rate
// and the gradient allreduce's cost.
func benchTrainIn(c *cli.Context, g *group) error {
	cfg, preset, err := modelFromFlags(c)
	if err != nil {
		return err
	}
	d, o, prec, err := openOpsPrecision(c, g.openOps, true)
	if err != nil {
		return err
	}
	defer d.Close()
	res, err := mae.BenchTrainGroup(o, cfg, preset, c.Int("batch"), c.Int("steps"), prec, g.mae())
	if err != nil {
		return err
	}
	if !g.lead() {
		return nil
	}
	if c.Bool("json") {
		return printJSON(res)
	}
	fmt.Printf("%s %s batch %d on %s: %.1f images/s, median step %.1f ms, host %.2f ms/step, peak device memory %.1f MiB, %d dispatches/step\n",
		res.Preset, res.Precision, res.Batch, res.Device, res.ImagesPerSecond, res.MedianStepMs, res.HostMsPerStep,
		float64(res.PeakDeviceBytes)/(1<<20), res.Dispatches)
	fmt.Printf("GEMM: %s\n", res.GemmConfig)
	if res.CoopMat != "" {
		fmt.Printf("fp16 GEMMs on cooperative matrices: %s\n", res.CoopMat)
	}
	for i, p := range res.Ops {
		if i >= c.Int("top") {
			break
		}
		fmt.Printf("  %-40s %4d calls %9.2f ms %5.1f%%\n", p.Kernel, p.Calls, p.Ms, p.Percent)
	}
	if res.Ranks > 0 {
		for r, v := range res.RankImagesPerSec {
			fmt.Printf("rank %d: %.1f images/s\n", r, v)
		}
		fmt.Printf("%d ranks: %.1f images/s global (global batch %d); gradient allreduce %.2f MB/step in %d buckets, %.2f ms/step on rank 0 (%.2f GB/s)\n",
			res.Ranks, res.GlobalImagesPerSec, res.Ranks*res.Batch, float64(res.AllreduceBytes)/1e6, res.AllreduceBuckets, res.AllreduceMsPerStep, res.AllreduceGBps)
		fmt.Printf("overlap, %d more steps of each kind on rank 0: backward + allreduce %.1f ms serial (allreduce %.1f ms), %.1f ms overlapped: %.0f%% of the allreduce hidden behind the backward pass\n",
			res.Steps, res.ExchangeSerialMs, res.AllreduceSerialMs, res.ExchangeOverlapMs, res.AllreduceHiddenPct)
	}
	return nil
}
