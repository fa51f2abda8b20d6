package main

import (
	"fmt"
	"strings"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/urfave/cli/v2"
)

// modelFlags are the preset and its per-field overrides, shared by train,
// eval, reconstruct and bench train.
func modelFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "preset", Value: mae.DefaultPreset, Usage: "model: " + strings.Join(mae.PresetNames(), ", ")},
		&cli.IntFlag{Name: "image-size", Usage: "override the preset's input side"},
		&cli.IntFlag{Name: "channels", Usage: "override the preset's input channels"},
		&cli.IntFlag{Name: "patch", Usage: "override the preset's patch size"},
		&cli.IntFlag{Name: "enc-dim", Usage: "override the encoder width"},
		&cli.IntFlag{Name: "enc-depth", Usage: "override the encoder depth"},
		&cli.IntFlag{Name: "enc-heads", Usage: "override the encoder heads"},
		&cli.IntFlag{Name: "dec-dim", Usage: "override the decoder width"},
		&cli.IntFlag{Name: "dec-depth", Usage: "override the decoder depth"},
		&cli.IntFlag{Name: "dec-heads", Usage: "override the decoder heads"},
		&cli.Float64Flag{Name: "mlp-ratio", Usage: "override the MLP ratio"},
		&cli.Float64Flag{Name: "mask-ratio", Usage: "override the mask ratio (0.75)"},
		&cli.BoolFlag{Name: "no-norm-pix", Usage: "turn the per-patch target normalization off"},
	}
}

// modelFromFlags resolves the preset and its overrides.
func modelFromFlags(c *cli.Context) (mae.Config, string, error) {
	name := c.String("preset")
	cfg, err := mae.Preset(name)
	if err != nil {
		return cfg, name, fmt.Errorf("--preset: %w", err)
	}
	ints := map[string]*int{
		"image-size": &cfg.ImageSize, "channels": &cfg.Channels, "patch": &cfg.PatchSize,
		"enc-dim": &cfg.EncDim, "enc-depth": &cfg.EncDepth, "enc-heads": &cfg.EncHeads,
		"dec-dim": &cfg.DecDim, "dec-depth": &cfg.DecDepth, "dec-heads": &cfg.DecHeads,
	}
	for flag, field := range ints {
		if c.IsSet(flag) {
			*field = c.Int(flag)
		}
	}
	if c.IsSet("mlp-ratio") {
		cfg.MLPRatio = c.Float64("mlp-ratio")
	}
	if c.IsSet("mask-ratio") {
		cfg.MaskRatio = c.Float64("mask-ratio")
	}
	if c.Bool("no-norm-pix") {
		cfg.NormPixLoss = false
	}
	if err := cfg.Validate(); err != nil {
		return cfg, name, err // *mae.ConfigError values, named by their flags
	}
	return cfg, name, nil
}
