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
		Flags: append(modelFlags(), []cli.Flag{
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
			cfg, preset, err := modelFromFlags(c)
			if err != nil {
				return err
			}
			d, o, err := openOps(c, true)
			if err != nil {
				return err
			}
			defer d.Close()
			prec, err := precisionFromFlags(c, d.Info)
			if err != nil {
				return err
			}
			res, err := mae.BenchTrain(o, cfg, preset, c.Int("batch"), c.Int("steps"), prec)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(res)
			}
			fmt.Printf("%s %s batch %d on %s: %.1f images/s, median step %.1f ms, host %.2f ms/step, peak device memory %.1f MiB, %d dispatches/step\n",
				res.Preset, res.Precision, res.Batch, res.Device, res.ImagesPerSecond, res.MedianStepMs, res.HostMsPerStep,
				float64(res.PeakDeviceBytes)/(1<<20), res.Dispatches)
			fmt.Printf("GEMM: %s\n", res.GemmConfig)
			for i, p := range res.Ops {
				if i >= c.Int("top") {
					break
				}
				fmt.Printf("  %-40s %4d calls %9.2f ms %5.1f%%\n", p.Kernel, p.Calls, p.Ms, p.Percent)
			}
			return nil
		},
	}
}
