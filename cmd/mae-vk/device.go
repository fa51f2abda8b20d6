package main

import (
	"fmt"
	"os"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
	"github.com/urfave/cli/v2"
)

// openDevice opens the device named by the global flags, printing any
// validation message to stderr.
func openDevice(c *cli.Context, profile bool) (*vk.Device, error) {
	return openDeviceNamed(c, globalString(c, "device"), profile)
}

// openDeviceNamed is openDevice with the device selection given.
func openDeviceNamed(c *cli.Context, device string, profile bool) (*vk.Device, error) {
	o := vk.OptionsFromEnv(vk.Options{
		Device:   device,
		Validate: globalBool(c, "validate"),
		Profile:  profile,
		OnMessage: func(m vk.Message) {
			fmt.Fprintln(os.Stderr, m)
		},
	})
	return vk.Open(o)
}

// openOps opens the device as openDevice does and returns its ops with the
// device's tuned GEMM configuration, if one was stored (the only place that
// reads it: library functions take the ops). The caller closes the device.
func openOps(c *cli.Context, profile bool) (*vk.Device, *ops.Ops, error) {
	return openOpsNamed(c, globalString(c, "device"), profile)
}

// openOpsNamed is openOps with the device selection given.
func openOpsNamed(c *cli.Context, device string, profile bool) (*vk.Device, *ops.Ops, error) {
	d, err := openDeviceNamed(c, device, profile)
	if err != nil {
		return nil, nil, err
	}
	o := ops.New(d)
	if _, err := o.LoadGemmTuning(ops.TuningDir()); err != nil {
		d.Close()
		return nil, nil, err
	}
	if err := enableCoopMat(o); err != nil {
		d.Close()
		return nil, nil, err
	}
	return d, o, nil
}

// enableCoopMat lets the ops run fp16 GEMMs on the device's cooperative
// matrices (tensor cores) where it has them and the variant passes its
// self-check (cached beside the tuning); MAEVK_COOPMAT=off never uses
// them, MAEVK_COOPMAT=emulate uses their plain-code emulation (tests on
// software drivers). A failed check warns on stderr once.
func enableCoopMat(o *ops.Ops) error {
	mode, err := coopMatMode()
	if err != nil {
		return err
	}
	warn := func(msg string) { fmt.Fprintln(os.Stderr, "mae-vk: warning:", msg) }
	if _, err := o.EnableCoopMat(mode, ops.TuningDir(), warn); err != nil {
		return fmt.Errorf("cooperative-matrix GEMM (MAEVK_COOPMAT=off skips it): %w", err)
	}
	return nil
}
