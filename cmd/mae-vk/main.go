package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func main() {
	if err := newApp().Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "mae-vk:", err)
		os.Exit(1)
	}
}

func newApp() *cli.App {
	return &cli.App{
		Name:  "mae-vk",
		Usage: "train Masked Autoencoders on any GPU through Vulkan compute",
		Description: "mae-vk runs MAE pre-training (He et al. 2021) with GLSL compute shaders on\n" +
			"NVIDIA, AMD and Intel GPUs and on software Vulkan drivers.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "device", Usage: "device index or name substring (see 'mae-vk devices')", EnvVars: []string{"MAEVK_DEVICE"}},
			&cli.BoolFlag{Name: "validate", Usage: "turn on the Khronos validation layer (or MAEVK_VALIDATE=1, or =sync for synchronization validation too)"},
		},
		Commands: []*cli.Command{
			trainCommand(),
			evalCommand(),
			reconstructCommand(),
			benchCommand(),
			devicesCommand(),
			versionCommand(),
		},
		HideVersion: true,
	}
}
