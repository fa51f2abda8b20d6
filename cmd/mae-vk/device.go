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
	return d, o, nil
}
