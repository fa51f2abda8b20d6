package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/urfave/cli/v2"
)

func trainCommand() *cli.Command {
	def := mae.DefaultTrainConfig()
	return &cli.Command{
		Name:  "train",
		Usage: "pre-train an MAE (default: the tiny preset on Fashion-MNIST)",
		Flags: slices.Concat(modelFlags(), distFlags(), []cli.Flag{
			&cli.StringFlag{Name: "data", Value: def.Data, Usage: "data set: fashion-mnist, mnist, or a path (IDX files, CIFAR batches, image folder)"},
			&cli.StringFlag{Name: "split", Value: def.Split, Usage: "train or test"},
			&cli.StringFlag{Name: "augment", Value: def.Augment, Usage: "none, or mae (RandomResizedCrop 0.2-1 + flip)"},
		}, scheduleFlags(def.Epochs), []cli.Flag{
			&cli.IntFlag{Name: "batch", Value: def.Batch, Usage: "images per micro-batch"},
			&cli.IntFlag{Name: "accum", Value: def.Accum, Usage: "micro-batches accumulated per optimizer step (effective batch = batch × accum)"},
		}, lrFlags(def.BLR, def.MinLR), []cli.Flag{
			&cli.Float64Flag{Name: "warmup-epochs", Value: def.WarmupEpochs, Usage: "linear warm-up length in epochs (fractions allowed)"},
			&cli.Float64Flag{Name: "weight-decay", Value: def.WeightDecay, Usage: "AdamW weight decay (weights, cls and mask tokens)"},
			&cli.Float64Flag{Name: "beta1", Value: def.Beta1, Usage: "AdamW β1"},
			&cli.Float64Flag{Name: "beta2", Value: def.Beta2, Usage: "AdamW β2"},
			&cli.Float64Flag{Name: "clip-grad", Usage: "clip the global gradient norm to this (0: off)"},
			&cli.Uint64Flag{Name: "seed", Value: def.Seed, Usage: "seeds init, data order, augmentation and masking"},
			runDirFlag(),
			&cli.StringFlag{Name: "resume", Usage: "continue the run in this directory (or checkpoint) exactly"},
			keepFlag(def.Keep),
			&cli.Int64Flag{Name: "recon-every", Value: def.ReconEvery, Usage: "also draw reconstructions every this many steps (0: each epoch only)"},
			&cli.StringFlag{Name: "save-every", Value: time.Duration(def.SaveInterval).String(), Usage: "also save a checkpoint every this many steps (e.g. 500) or this long (e.g. 30m); 0: at epoch ends only"},
			&cli.Int64Flag{Name: "eval-every", Usage: "evaluate the test split every this many steps, into metrics.jsonl and loss.png (0: never)"},
			&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
			&cli.Int64Flag{Name: "check-every", Value: mae.DefaultCheckEvery, Usage: "under MPI: compare the ranks' parameter checksums every this many steps (and at every save)"},
			precisionFlag(),
		}),
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
	cfg.ReconEvery, cfg.EvalEvery, cfg.CheckEvery = c.Int64("recon-every"), c.Int64("eval-every"), c.Int64("check-every")
	cfg.Precision = c.String("precision")
	if cfg.SaveEvery, cfg.SaveInterval, err = parseSaveEvery(c.String("save-every")); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// parseSaveEvery reads --save-every: a step count or a duration.
func parseSaveEvery(s string) (steps int64, every mae.Duration, err error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return n, 0, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return 0, mae.Duration(d), nil
	}
	return 0, 0, fmt.Errorf("--save-every %q: want a step count (500) or a duration (30m, 1h); 0 saves at epoch ends only", s)
}

// runTrain trains, as one rank of a data-parallel group when started under
// MPI: rank 0 alone owns the run directory (lock, config, the RunDirHooks)
// and the progress bar; a rank that fails aborts the whole job.
func runTrain(c *cli.Context) error {
	if c.Args().Present() {
		return fmt.Errorf("train takes no arguments, got %q (flags go before arguments)", c.Args().Slice())
	}
	g, err := joinGroup(c)
	if err != nil {
		return err
	}
	err = trainIn(c, g)
	if errors.Is(err, mae.ErrInterrupted) {
		// Every rank stopped at the same step: leave together.
		_ = g.finish(nil)
		return cli.Exit("", 130)
	}
	return g.finish(err)
}

func trainIn(c *cli.Context, g *group) error {
	cfg, err := trainConfigFromFlags(c)
	if err != nil {
		return err
	}
	// Nothing is created before the settings are known to be good and the
	// run is known to fit the device's memory.
	var rd *mae.RunDir
	resume := c.String("resume")
	if resume != "" {
		if rd, cfg, err = resumeRun(c, resume, cfg); err == nil {
			if err = mae.AdoptGroupSize(&cfg, g.size()); err == nil {
				err = cfg.Validate()
			}
		}
	} else {
		cfg.World = g.size()
		err = cfg.Validate()
	}
	if err != nil {
		return err
	}
	d, o, err := g.openOps(c, false)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := mae.CheckTrainFits(o, cfg); err != nil {
		return err
	}
	if resume == "" && g.lead() {
		if rd, err = mae.NewRunDir(cfg.Out); errors.Is(err, mae.ErrRunExists) {
			err = fmt.Errorf("--out %s already holds a training run: continue it with --resume %s, or choose another --out", cfg.Out, cfg.Out)
		}
		if err != nil {
			return err
		}
	}
	if g.lead() {
		lock, err := rd.Lock()
		if err != nil {
			return err
		}
		defer lock.Unlock()
		cfg.Out = rd.Path
		if err := rd.WriteConfig(cfg); err != nil {
			return err
		}
	}
	ctx, stop := interruptible(c.Context, "finishing the steps in flight and saving a checkpoint")
	defer stop()
	var hooks []mae.Hook
	p := &progress{quiet: c.Bool("quiet"), rd: rd, g: g}
	if g.lead() {
		hooks = mae.RunDirHooks(rd, cfg)
	}
	if cfg.EvalEvery > 0 { // every rank evaluates its share
		hooks = append(hooks, mae.EvalHook(ctx, cfg.EvalEvery, mae.EvalConfig{Split: "test", Batch: cfg.Batch, Seed: cfg.Seed, Workers: cfg.Workers, Group: g.mae()}))
	}
	res, err := mae.TrainGroup(ctx, o, cfg, g.mae(), append(hooks, p.hook())...)
	p.finish()
	if errors.Is(err, mae.ErrInterrupted) && g.lead() {
		fmt.Fprintf(os.Stderr, "%v; checkpoint saved in %s (continue with --resume %s)\n", err, rd.CheckpointDir(), rd.Path)
	}
	if err != nil || !g.lead() {
		return err
	}
	fmt.Printf("trained %d steps; last loss %.4f; run directory %s\n", res.Steps, res.LastLoss, rd.Path)
	return nil
}

// interruptible returns a context cancelled by the first Ctrl-C (or
// SIGTERM, or SIGHUP when the terminal goes away), which also prints what the command does before it stops;
// later signals are ignored until stop is called.
func interruptible(parent context.Context, doing string) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
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
