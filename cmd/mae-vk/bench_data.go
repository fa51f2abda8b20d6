package main

import (
	"fmt"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/urfave/cli/v2"
)

func benchDataCommand() *cli.Command {
	return &cli.Command{
		Name:  "data",
		Usage: "time data loading alone: decoding, augmentation and batching (images/s)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data", Value: "fashion-mnist", Usage: "data set name or path"},
			&cli.StringFlag{Name: "split", Value: "train", Usage: "train or test"},
			&cli.IntFlag{Name: "batch", Value: 256, Usage: "images per batch"},
			&cli.IntFlag{Name: "batches", Value: 50, Usage: "batches to draw"},
			&cli.IntFlag{Name: "image-size", Usage: "model image side (default: the source's; required for image folders)"},
			&cli.IntFlag{Name: "channels", Usage: "model channels, 1 or 3 (default: the source's)"},
			&cli.StringFlag{Name: "augment", Value: "mae", Usage: "none or mae"},
			workersFlag(),
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
		},
		Action: func(c *cli.Context) error {
			if err := requirePositive(c, "batch", "batches"); err != nil {
				return err
			}
			aug, err := loader.ParseAugment(c.String("augment"))
			if err != nil {
				return fmt.Errorf("--augment: %w", err)
			}
			warn := func(msg string) { fmt.Fprintln(c.App.ErrWriter, "warning:", msg) }
			src, err := loader.Open(c.String("data"), c.String("split"), loader.Options{Warn: warn})
			if err != nil {
				return fmt.Errorf("--data %s: %w", c.String("data"), err)
			}
			res, err := loader.Bench(c.Context, src, loader.Config{
				BatchSize: c.Int("batch"), Size: c.Int("image-size"), Channels: c.Int("channels"),
				Augment: aug, Shuffle: true, Workers: c.Int("workers"), Warn: warn,
			}, c.Int("batches"))
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(res)
			}
			fmt.Printf("%s: %.0f images/s (batch %d, %d workers, augment %s, %dx%d×%d; first batch %.2f s; %d bad items)\n",
				res.Data, res.ImagesPerSecond, res.BatchSize, res.Workers, res.Augment, res.Size, res.Size, res.Channels,
				res.FirstBatchSeconds, res.BadItems)
			return nil
		},
	}
}
