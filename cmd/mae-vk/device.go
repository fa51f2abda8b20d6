package main

import (
	"fmt"
	"os"

	"github.com/mae-vk/mae-vk/vk"
	"github.com/urfave/cli/v2"
)

// openDevice opens the device named by the global flags, printing any
// validation message to stderr.
func openDevice(c *cli.Context, profile bool) (*vk.Device, error) {
	o := vk.OptionsFromEnv(vk.Options{
		Device:   c.String("device"),
		Validate: c.Bool("validate"),
		Profile:  profile,
		OnMessage: func(m vk.Message) {
			fmt.Fprintln(os.Stderr, m)
		},
	})
	return vk.Open(o)
}
