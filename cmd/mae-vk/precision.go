package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
	"github.com/urfave/cli/v2"
)

// precisionFlag is --precision, shared by train, bench train, eval and
// reconstruct.
func precisionFlag() cli.Flag {
	return &cli.StringFlag{Name: "precision",
		Usage: "fp32, fp16 (with loss scaling) or bf16: fp32 master weights, 16-bit weight copies and GEMM inputs (default: the device's, see mae-vk devices)"}
}

// precisionFromFlags resolves --precision on the device, printing the
// one-line notice when the device cannot run what was asked.
func precisionFromFlags(c *cli.Context, info vk.DeviceInfo) (ops.Precision, error) {
	p, notice, err := mae.ResolvePrecision(c.String("precision"), info)
	if notice != "" {
		fmt.Fprintln(os.Stderr, "notice:", notice)
	}
	return p, err
}

// openOpsPrecision opens the device with open (openOps, or a group's
// openOps under MPI) and resolves --precision on it, as
// precisionFromFlags does. The caller closes the device.
func openOpsPrecision(c *cli.Context, open func(*cli.Context, bool) (*vk.Device, *ops.Ops, error), profile bool) (*vk.Device, *ops.Ops, ops.Precision, error) {
	d, o, err := open(c, profile)
	if err != nil {
		return nil, nil, ops.FP32, err
	}
	prec, err := precisionFromFlags(c, d.Info)
	if err != nil {
		d.Close()
		return nil, nil, ops.FP32, err
	}
	return d, o, prec, nil
}

// lossScaleText is the progress bar's loss-scaling part (fp16 only):
// the step's scale and the steps skipped so far.
func lossScaleText(r mae.StepReport, skipped int64) string {
	if r.LossScale == 0 {
		return ""
	}
	return fmt.Sprintf("  scale %g  skipped %d", r.LossScale, skipped)
}

// precisionNames lists the precisions a device runs, its default first.
func precisionNames(info vk.DeviceInfo) []string {
	def := mae.DefaultPrecision(info)
	names := []string{def.String()}
	for _, p := range ops.Precisions {
		if p != def && p.Supported(info) {
			names = append(names, p.String())
		}
	}
	return names
}

// precisionsText is precisionNames for the devices table: the default
// marked with *, e.g. "fp32*,fp16,bf16".
func precisionsText(info vk.DeviceInfo) string {
	names := precisionNames(info)
	names[0] += "*"
	return strings.Join(names, ",")
}
