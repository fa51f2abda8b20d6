package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"
)

// The flags that several commands declare with the same name and meaning,
// written once; each command lists them where its help shows them.

// workersFlag is --workers of every command that decodes a data set.
func workersFlag() cli.Flag {
	return &cli.IntFlag{Name: "workers", Usage: "decoding goroutines (0: one per CPU)"}
}

// scheduleFlags are --workers, --epochs (default epochs) and --steps of
// train and finetune.
func scheduleFlags(epochs int) []cli.Flag {
	return []cli.Flag{
		workersFlag(),
		&cli.IntFlag{Name: "epochs", Value: epochs, Usage: "epochs (the schedule's length)"},
		&cli.Int64Flag{Name: "steps", Usage: "stop after this many steps (0: all epochs)"},
	}
}

// lrFlags are --blr, --lr and --min-lr of train and finetune, with their
// recipe's defaults.
func lrFlags(blr, minLR float64) []cli.Flag {
	return []cli.Flag{
		&cli.Float64Flag{Name: "blr", Value: blr, Usage: "base learning rate: lr = blr × batch / 256"},
		&cli.Float64Flag{Name: "lr", Usage: "absolute learning rate (overrides --blr)"},
		&cli.Float64Flag{Name: "min-lr", Value: minLR, Usage: "floor of the cosine decay"},
	}
}

// runDirFlag is --out of train and finetune.
func runDirFlag() cli.Flag {
	return &cli.StringFlag{Name: "out", Usage: "run directory (default runs/<timestamp>)"}
}

// keepFlag is --keep of train and finetune.
func keepFlag(keep int) cli.Flag {
	return &cli.IntFlag{Name: "keep", Value: keep, Usage: "checkpoints to keep"}
}

// weightsFlag is --weights of probe and analyze (required: see
// requireWeights).
func weightsFlag() cli.Flag {
	return &cli.StringFlag{Name: "weights", Usage: "run directory, checkpoint or model.safetensors (required)"}
}

// splitsDataFlag is --data of probe and analyze: a set with train and test
// splits.
func splitsDataFlag() cli.Flag {
	return &cli.StringFlag{Name: "data", Value: "fashion-mnist", Usage: "data set with train and test splits"}
}

// requireWeights refuses an empty --weights (probe, analyze).
func requireWeights(c *cli.Context) error {
	if c.String("weights") == "" {
		return fmt.Errorf("--weights: required: give a run directory, a checkpoint or a model.safetensors")
	}
	return nil
}

// benchFlags are --time and --json of the kernel benches (gemm,
// attention).
func benchFlags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: "time", Value: 2 * time.Second, Usage: "time budget per measurement"},
		&cli.BoolFlag{Name: "json", Usage: "print JSON"},
	}
}
