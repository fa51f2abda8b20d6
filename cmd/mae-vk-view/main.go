// Command mae-vk-view is the live, interactive viewer of a Masked
// Autoencoder trained by mae-vk: a window of images with their masked
// input and reconstruction, masks painted by hand and reconstructed on the
// Vulkan device at once, and --follow to watch a running training. It is a
// binary of its own so that mae-vk needs no display libraries.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"

	"github.com/urfave/cli/v2"

	"github.com/mae-vk/mae-vk/viewer"
)

// GLFW must be called from the main thread.
func init() { runtime.LockOSThread() }

func main() {
	app := &cli.App{
		Name:      "mae-vk-view",
		Usage:     "show, mask and reconstruct images with a trained MAE, live",
		ArgsUsage: "RUN_OR_CHECKPOINT",
		Description: "Each row is one image of the data set: original | masked input |\n" +
			"reconstruction | reconstruction with the visible patches pasted back.\n\n" +
			"Keys and mouse:\n" +
			"  click, drag   hide patches (starting on a hidden one: reveal them)\n" +
			"  hover         over a hidden patch: where the decoder's attention for it went\n" +
			"  space         new random masks at the current ratio\n" +
			"  + / -         mask ratio up / down by 5 points\n" +
			"  → / ←         next / previous images; ↓ / ↑ by one\n" +
			"  o             open a picture (type its path in the terminal, or drop the file on the window)\n" +
			"  s             save the view as PNG\n" +
			"  q, Esc        quit\n\n" +
			"RUN_OR_CHECKPOINT is a run directory, a checkpoint directory or a model.safetensors.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data", Usage: "data set: fashion-mnist, mnist, or a path (default: fashion-mnist for 1-channel models)"},
			&cli.StringFlag{Name: "split", Value: "test", Usage: "train or test"},
			&cli.IntFlag{Name: "images", Value: 4, Usage: "images shown at once"},
			&cli.IntFlag{Name: "start", Usage: "data set index of the first image"},
			&cli.Uint64Flag{Name: "seed", Usage: "seeds the first masks (as mae-vk reconstruct --seed: image i gets row i)"},
			&cli.BoolFlag{Name: "follow", Usage: "reload the newest checkpoint of a running training and show its loss curve"},
			&cli.BoolFlag{Name: "no-vsync", Usage: "present without waiting for vertical sync"},
			&cli.IntFlag{Name: "width", Value: 900, Usage: "window width in pixels"},
			&cli.IntFlag{Name: "height", Value: 640, Usage: "window height in pixels"},
			&cli.StringFlag{Name: "shots", Usage: "directory for the PNGs that s saves (default: the current one)"},
			&cli.StringFlag{Name: "trace", Usage: "append one JSON line per presented frame to this file (for tests)"},
			&cli.StringFlag{Name: "device", Usage: "Vulkan device: index or name substring (env MAEVK_DEVICE)"},
			&cli.BoolFlag{Name: "validate", Usage: "turn on the Vulkan validation layer (env MAEVK_VALIDATE)"},
		},
		Action: run,
	}
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "mae-vk-view:", err)
		os.Exit(1)
	}
}

func run(c *cli.Context) error {
	if c.NArg() != 1 {
		return errors.New("give one RUN_OR_CHECKPOINT (a run directory, a checkpoint directory or a model.safetensors)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return viewer.Run(ctx, viewer.Options{
		Weights: c.Args().First(), Data: c.String("data"), Split: c.String("split"),
		Images: c.Int("images"), Start: c.Int("start"), Seed: c.Uint64("seed"), Follow: c.Bool("follow"),
		Vsync: !c.Bool("no-vsync"), Width: c.Int("width"), Height: c.Int("height"),
		Shots: c.String("shots"), Trace: c.String("trace"), Device: c.String("device"), Validate: c.Bool("validate"),
	})
}
