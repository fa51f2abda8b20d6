package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/urfave/cli/v2"
)

// resumeFlags are the train flags that may change when a run is resumed:
// how long it runs, how often it saves, draws and evaluates, how it reads.
var resumeFlags = map[string]func(dst *mae.TrainConfig, from mae.TrainConfig){
	"epochs":      func(d *mae.TrainConfig, f mae.TrainConfig) { d.Epochs = f.Epochs },
	"steps":       func(d *mae.TrainConfig, f mae.TrainConfig) { d.Steps = f.Steps },
	"keep":        func(d *mae.TrainConfig, f mae.TrainConfig) { d.Keep = f.Keep },
	"recon-every": func(d *mae.TrainConfig, f mae.TrainConfig) { d.ReconEvery = f.ReconEvery },
	"eval-every":  func(d *mae.TrainConfig, f mae.TrainConfig) { d.EvalEvery = f.EvalEvery },
	"save-every":  func(d *mae.TrainConfig, f mae.TrainConfig) { d.SaveEvery, d.SaveInterval = f.SaveEvery, f.SaveInterval },
	"workers":     func(d *mae.TrainConfig, f mae.TrainConfig) { d.Workers = f.Workers },
	"check-every": func(d *mae.TrainConfig, f mae.TrainConfig) { d.CheckEvery = f.CheckEvery },
	// Checkpoints hold fp32 master weights: any precision resumes any other.
	"precision": func(d *mae.TrainConfig, f mae.TrainConfig) { d.Precision = f.Precision },
}

// resumeRun opens the run directory dir to continue its run: the run's own
// config (saved in its newest checkpoint) with the flags of resumeFlags
// that were given applied; any other flag given with a different value
// than the run's is refused. The run continues in dir, wherever it was
// first written. A run whose first checkpoint was never completed (killed
// during the first save) starts again from step 0 with its config.json.
func resumeRun(c *cli.Context, dir string, flags mae.TrainConfig) (*mae.RunDir, mae.TrainConfig, error) {
	rd, err := mae.OpenRunDir(dir)
	if err != nil {
		return nil, flags, err
	}
	var saved mae.TrainConfig
	ck, err := mae.LoadCheckpoint(rd.CheckpointDir())
	switch {
	case errors.Is(err, mae.ErrNoCheckpoint):
		b, rerr := os.ReadFile(rd.ConfigPath())
		if rerr != nil {
			return nil, flags, fmt.Errorf("--resume %s: not a run directory: no checkpoint and no config.json (%v)", dir, rerr)
		}
		if jerr := json.Unmarshal(b, &saved); jerr != nil {
			return nil, flags, fmt.Errorf("--resume %s: %s is damaged (%v) and there is no checkpoint: start a new run", dir, rd.ConfigPath(), jerr)
		}
		fmt.Fprintf(os.Stderr, "%s has no complete checkpoint (the first save was interrupted): starting it again from step 0\n", dir)
		saved.Resume = ""
	case err != nil:
		return nil, flags, fmt.Errorf("--resume %s: %w", dir, err)
	default:
		if saved, err = mae.ResumeConfig(ck); err != nil {
			return nil, flags, fmt.Errorf("--resume %s: %w", dir, err)
		}
		saved.Resume = rd.Path
	}
	if err := checkResumeFlags(c, saved, flags, dir); err != nil {
		return nil, flags, err
	}
	for name, apply := range resumeFlags {
		if c.IsSet(name) {
			apply(&saved, flags)
		}
	}
	saved.Out = rd.Path
	return rd, saved, nil
}

// runFlags give, for each train flag that defines a run, the setting it
// makes.
var runFlags = map[string]func(mae.TrainConfig) any{
	"preset": func(c mae.TrainConfig) any { return c.Preset }, "image-size": func(c mae.TrainConfig) any { return c.Model.ImageSize },
	"channels": func(c mae.TrainConfig) any { return c.Model.Channels }, "patch": func(c mae.TrainConfig) any { return c.Model.PatchSize },
	"enc-dim": func(c mae.TrainConfig) any { return c.Model.EncDim }, "enc-depth": func(c mae.TrainConfig) any { return c.Model.EncDepth },
	"enc-heads": func(c mae.TrainConfig) any { return c.Model.EncHeads }, "dec-dim": func(c mae.TrainConfig) any { return c.Model.DecDim },
	"dec-depth": func(c mae.TrainConfig) any { return c.Model.DecDepth }, "dec-heads": func(c mae.TrainConfig) any { return c.Model.DecHeads },
	"mlp-ratio": func(c mae.TrainConfig) any { return c.Model.MLPRatio }, "mask-ratio": func(c mae.TrainConfig) any { return c.Model.MaskRatio },
	"no-norm-pix": func(c mae.TrainConfig) any { return c.Model.NormPixLoss },
	"data":        func(c mae.TrainConfig) any { return c.Data }, "split": func(c mae.TrainConfig) any { return c.Split },
	"augment": func(c mae.TrainConfig) any { return c.Augment }, "batch": func(c mae.TrainConfig) any { return c.Batch },
	"accum": func(c mae.TrainConfig) any { return c.Accum }, "blr": func(c mae.TrainConfig) any { return c.BLR },
	"lr": func(c mae.TrainConfig) any { return c.LR }, "min-lr": func(c mae.TrainConfig) any { return c.MinLR },
	"warmup-epochs": func(c mae.TrainConfig) any { return c.WarmupEpochs }, "weight-decay": func(c mae.TrainConfig) any { return c.WeightDecay },
	"beta1": func(c mae.TrainConfig) any { return c.Beta1 }, "beta2": func(c mae.TrainConfig) any { return c.Beta2 },
	"clip-grad": func(c mae.TrainConfig) any { return c.ClipGrad }, "seed": func(c mae.TrainConfig) any { return c.Seed },
}

// checkResumeFlags refuses the flags given that would change the run; a
// flag that repeats the run's value is harmless. --out naming another
// directory than the run's is refused too.
func checkResumeFlags(c *cli.Context, saved, flags mae.TrainConfig, dir string) error {
	var bad []string
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		get, ok := runFlags[name]
		if !c.IsSet(name) || !ok || get(saved) == get(flags) {
			continue
		}
		bad = append(bad, fmt.Sprintf("--%s %v (the run has %v)", name, get(flags), get(saved)))
	}
	if c.IsSet("out") && filepath.Clean(c.String("out")) != filepath.Clean(dir) {
		bad = append(bad, fmt.Sprintf("--out %s (the run continues in %s)", c.String("out"), dir))
	}
	if len(bad) > 0 {
		return fmt.Errorf("--resume %s continues that run with its own settings, and %s would change them: leave them out, or start a new run with --out (when resuming only %s may change)",
			dir, strings.Join(bad, ", "), resumeFlagList())
	}
	return nil
}

func resumeFlagList() string {
	return "--epochs, --steps, --keep, --recon-every, --eval-every, --save-every, --workers, --check-every"
}
