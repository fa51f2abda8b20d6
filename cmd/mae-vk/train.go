package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
)

func trainCommand() *cli.Command {
	def := mae.DefaultTrainConfig()
	return &cli.Command{
		Name:  "train",
		Usage: "pre-train an MAE (default: the tiny preset on Fashion-MNIST)",
		Flags: append(modelFlags(), []cli.Flag{
			&cli.StringFlag{Name: "data", Value: def.Data, Usage: "data set: fashion-mnist, mnist, or a path (IDX files, CIFAR batches, image folder)"},
			&cli.StringFlag{Name: "split", Value: def.Split, Usage: "train or test"},
			&cli.StringFlag{Name: "augment", Value: def.Augment, Usage: "none, or mae (RandomResizedCrop 0.2-1 + flip)"},
			&cli.IntFlag{Name: "workers", Usage: "decoding goroutines (0: one per CPU)"},
			&cli.IntFlag{Name: "epochs", Value: def.Epochs, Usage: "epochs (the schedule's length)"},
			&cli.Int64Flag{Name: "steps", Usage: "stop after this many steps (0: all epochs)"},
			&cli.IntFlag{Name: "batch", Value: def.Batch, Usage: "images per micro-batch"},
			&cli.IntFlag{Name: "accum", Value: def.Accum, Usage: "micro-batches accumulated per optimizer step (effective batch = batch × accum)"},
			&cli.Float64Flag{Name: "blr", Value: def.BLR, Usage: "base learning rate: lr = blr × batch / 256"},
			&cli.Float64Flag{Name: "lr", Usage: "absolute learning rate (overrides --blr)"},
			&cli.Float64Flag{Name: "min-lr", Value: def.MinLR, Usage: "floor of the cosine decay"},
			&cli.Float64Flag{Name: "warmup-epochs", Value: def.WarmupEpochs, Usage: "linear warm-up length in epochs (fractions allowed)"},
			&cli.Float64Flag{Name: "weight-decay", Value: def.WeightDecay, Usage: "AdamW weight decay (weights, cls and mask tokens)"},
			&cli.Float64Flag{Name: "beta1", Value: def.Beta1, Usage: "AdamW β1"},
			&cli.Float64Flag{Name: "beta2", Value: def.Beta2, Usage: "AdamW β2"},
			&cli.Float64Flag{Name: "clip-grad", Usage: "clip the global gradient norm to this (0: off)"},
			&cli.Uint64Flag{Name: "seed", Value: def.Seed, Usage: "seeds init, data order, augmentation and masking"},
			&cli.StringFlag{Name: "out", Usage: "run directory (default runs/<timestamp>)"},
			&cli.StringFlag{Name: "resume", Usage: "continue the run in this directory (or checkpoint) exactly"},
			&cli.IntFlag{Name: "keep", Value: def.Keep, Usage: "checkpoints to keep"},
			&cli.Int64Flag{Name: "recon-every", Value: def.ReconEvery, Usage: "also draw reconstructions every this many steps (0: each epoch only)"},
			&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
		}...),
		Action: runTrain,
	}
}

func trainConfigFromFlags(c *cli.Context) (mae.TrainConfig, error) {
	cfg := mae.DefaultTrainConfig()
	model, preset, err := modelFromFlags(c)
	if err != nil {
		return cfg, err
	}
	cfg.Model, cfg.Preset = model, preset
	cfg.Data, cfg.Split, cfg.Augment = c.String("data"), c.String("split"), c.String("augment")
	cfg.Workers, cfg.Epochs, cfg.Steps, cfg.Batch = c.Int("workers"), c.Int("epochs"), c.Int64("steps"), c.Int("batch")
	cfg.Accum = c.Int("accum")
	cfg.BLR, cfg.LR, cfg.MinLR, cfg.WarmupEpochs = c.Float64("blr"), c.Float64("lr"), c.Float64("min-lr"), c.Float64("warmup-epochs")
	cfg.WeightDecay, cfg.Beta1, cfg.Beta2, cfg.ClipGrad = c.Float64("weight-decay"), c.Float64("beta1"), c.Float64("beta2"), c.Float64("clip-grad")
	cfg.Seed, cfg.Out, cfg.Resume, cfg.Keep = c.Uint64("seed"), c.String("out"), c.String("resume"), c.Int("keep")
	cfg.ReconEvery = c.Int64("recon-every")
	return cfg, nil
}

func runTrain(c *cli.Context) error {
	cfg, err := trainConfigFromFlags(c)
	if err != nil {
		return err
	}
	ctx, stop := interruptible(c.Context, "finishing the steps in flight and saving a checkpoint")
	defer stop()
	d, err := openDevice(c, false)
	if err != nil {
		return err
	}
	defer d.Close()
	var bar *progressbar.ProgressBar
	hooks := mae.Hooks{
		Start: func(resolved mae.TrainConfig, plan mae.Plan) error {
			js, _ := json.MarshalIndent(resolved, "", "  ")
			fmt.Fprintf(os.Stderr, "config:\n%s\n", js)
			fmt.Fprintf(os.Stderr, "device %s; %d trainable parameters; %d steps per epoch; %d steps; run directory %s\n",
				plan.Device, plan.Params, plan.StepsPerEpoch, plan.TotalSteps, plan.RunDir)
			if !c.Bool("quiet") {
				bar = newTrainBar(plan)
			}
			return nil
		},
		Step: func(r mae.StepReport) error {
			if bar != nil {
				bar.Describe(fmt.Sprintf("epoch %d  loss %.4f  %.0f img/s", r.Epoch, r.Loss, r.ImagesPerSec))
				return bar.Set64(r.Step)
			}
			return nil
		},
		Epoch: func(r mae.EpochReport) error {
			if bar != nil {
				bar.Clear()
			}
			fmt.Fprintf(os.Stderr, "epoch %d done at step %d: mean loss %.4f; checkpoint %s; pictures %s\n",
				r.Epoch, r.Step, r.MeanLoss, r.Checkpoint, r.Recon)
			return nil
		},
		Warn: func(msg string) {
			if bar != nil {
				bar.Clear()
			}
			fmt.Fprintln(os.Stderr, "warning:", msg)
		},
	}
	res, err := mae.Train(ctx, d, cfg, hooks)
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(os.Stderr)
	}
	if errors.Is(err, mae.ErrInterrupted) {
		fmt.Fprintln(os.Stderr, err)
		return cli.Exit("", 130)
	}
	if err != nil {
		return err
	}
	fmt.Printf("trained %d steps; last loss %.4f; run directory %s\n", res.Steps, res.LastLoss, res.RunDir)
	return nil
}

func newTrainBar(plan mae.Plan) *progressbar.ProgressBar {
	bar := progressbar.NewOptions64(plan.TotalSteps,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetItsString("steps"),
		progressbar.OptionShowIts(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200_000_000),
		progressbar.OptionClearOnFinish(),
	)
	_ = bar.Set64(plan.FirstStep)
	return bar
}

// interruptible returns a context cancelled by the first Ctrl-C (or
// SIGTERM), which also prints what the command does before it stops;
// later signals are ignored until stop is called.
func interruptible(parent context.Context, doing string) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
			fmt.Fprintf(os.Stderr, "\ninterrupted: %s (further Ctrl-C is ignored until then)\n", doing)
			cancel()
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sig)
		close(done)
		cancel()
	}
}
