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
		Flags: globalFlags(true),
		Commands: prepare([]*cli.Command{
			trainCommand(),
			finetuneCommand(),
			evalCommand(),
			reconstructCommand(),
			probeCommand(),
			analyzeCommand(),
			benchCommand(),
			devicesCommand(),
			versionCommand(),
		}),
		HideVersion: true,
	}
}

// globalFlags are the flags every command takes, before or after its name.
// Only the app's own copy reads the environment, so that a flag typed at
// either place wins over it.
func globalFlags(env bool) []cli.Flag {
	var envDevice []string
	if env {
		envDevice = []string{"MAEVK_DEVICE"}
	}
	return []cli.Flag{
		&cli.StringFlag{Name: "device", Usage: "device index or name substring (see 'mae-vk devices')", EnvVars: envDevice},
		&cli.BoolFlag{Name: "validate", Usage: "turn on the Khronos validation layer (or MAEVK_VALIDATE=1, or =sync for synchronization validation too)"},
	}
}

// prepare adds the global flags to every command and subcommand, so that
// `mae-vk train --device 1` works as `mae-vk --device 1 train`, and makes
// every action's config errors name their flags (withFlagNames).
func prepare(cmds []*cli.Command) []*cli.Command {
	for _, c := range cmds {
		c.Flags = append(c.Flags, globalFlags(false)...)
		if act := c.Action; act != nil {
			c.Action = func(ctx *cli.Context) error { return withFlagNames(act(ctx)) }
		}
		prepare(c.Subcommands)
	}
	return cmds
}

// globalString is a global flag's value as set after the innermost
// command that has it set, else before the command, else its default.
func globalString(c *cli.Context, name string) string {
	for _, x := range c.Lineage() {
		if x.IsSet(name) {
			return x.String(name)
		}
	}
	return c.String(name)
}

// globalBool is globalString for a boolean flag.
func globalBool(c *cli.Context, name string) bool {
	for _, x := range c.Lineage() {
		if x.IsSet(name) {
			return x.Bool(name)
		}
	}
	return c.Bool(name)
}
