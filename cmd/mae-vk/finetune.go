package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/mae-vk/mae-vk/finetune"
	"github.com/mae-vk/mae-vk/mae"
	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
)

func finetuneCommand() *cli.Command {
	def, _ := finetune.DefaultConfig(mae.DefaultPreset)
	return &cli.Command{
		Name:  "finetune",
		Usage: "fine-tune a pre-trained encoder as a classifier (the reference's main_finetune.py recipe)",
		Description: "Trains models_vit's classifier (encoder without masking, global average pool, fc_norm, head)\n" +
			"end to end on the device, evaluating top-1/top-5 on the held-out split each epoch. The run\n" +
			"directory holds config.json, metrics.jsonl, curves.png, checkpoints/ (last) and best/.",
		Flags: slices.Concat(modelFlags(), []cli.Flag{
			&cli.StringFlag{Name: "weights", Usage: "pre-trained MAE checkpoint, run directory or model.safetensors (none: random init)"},
			&cli.IntFlag{Name: "classes", Usage: "classes (0: the data set's)"},
			&cli.StringFlag{Name: "data", Value: def.Data, Usage: "data set: fashion-mnist, mnist, or a path"},
			&cli.StringFlag{Name: "eval-split", Value: def.EvalSplit, Usage: "split evaluated each epoch: test, train or none"},
			&cli.IntFlag{Name: "train-images", Usage: "use the first N training images (0: all)"},
			&cli.IntFlag{Name: "eval-images", Usage: "evaluate on the first N held-out images (0: all)"},
		}, scheduleFlags(def.Epochs), []cli.Flag{
			&cli.IntFlag{Name: "batch", Value: def.Batch, Usage: "images per step"},
		}, lrFlags(def.BLR, def.MinLR), []cli.Flag{
			&cli.Float64Flag{Name: "warmup-epochs", Value: def.WarmupEpochs, Usage: "linear warm-up in epochs"},
			&cli.Float64Flag{Name: "weight-decay", Value: def.WeightDecay, Usage: "AdamW weight decay (not on norms, biases, cls_token, pos_embed)"},
			&cli.Float64Flag{Name: "layer-decay", Value: def.LayerDecay, Usage: "layer-wise lr decay (1: off)"},
			&cli.Float64Flag{Name: "clip-grad", Usage: "clip the global gradient norm (0: off)"},
			&cli.Float64Flag{Name: "drop-path", Value: def.DropPath, Usage: "stochastic depth rate of the last block (0: off)"},
			&cli.Float64Flag{Name: "smoothing", Value: def.Smoothing, Usage: "label smoothing (0: off)"},
			&cli.Float64Flag{Name: "mixup", Value: def.Mixup, Usage: "mixup Beta α (0: off)"},
			&cli.Float64Flag{Name: "cutmix", Value: def.Cutmix, Usage: "cutmix Beta α (0: off)"},
			&cli.Float64Flag{Name: "mixup-prob", Value: def.MixupProb, Usage: "chance that a batch is mixed"},
			&cli.Float64Flag{Name: "mixup-switch-prob", Value: def.SwitchProb, Usage: "chance of cutmix when both are on"},
			&cli.Float64Flag{Name: "reprob", Value: def.ReProb, Usage: "random erasing probability (0: off)"},
			&cli.StringFlag{Name: "randaug", Value: def.RandAug, Usage: "RandAugment as timm writes it (none: off)"},
			&cli.BoolFlag{Name: "no-crop", Usage: "no RandomResizedCrop + flip"},
			&cli.Uint64Flag{Name: "seed", Usage: "seeds the head, data order, augmentation and drop path"},
			runDirFlag(),
			&cli.StringFlag{Name: "resume", Usage: "continue the run in this directory exactly"},
			keepFlag(def.Keep),
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
			&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
		}),
		Action: runFinetune,
	}
}

func finetuneConfigFromFlags(c *cli.Context) (finetune.Config, error) {
	_, preset, err := modelFromFlags(c)
	if err != nil {
		return finetune.Config{}, err
	}
	cfg, err := finetune.DefaultConfig(preset)
	if err != nil {
		return cfg, fmt.Errorf("--preset: %w", err)
	}
	if cfg.Model, _, err = modelFromFlags(c); err != nil {
		return cfg, err
	}
	cfg.Weights = c.String("weights")
	if cfg.Weights == "none" {
		cfg.Weights = ""
	}
	cfg.Classes, cfg.Data, cfg.EvalSplit = c.Int("classes"), c.String("data"), c.String("eval-split")
	if cfg.EvalSplit == "none" {
		cfg.EvalSplit = ""
	}
	cfg.TrainImages, cfg.EvalImages, cfg.Workers = c.Int("train-images"), c.Int("eval-images"), c.Int("workers")
	cfg.Epochs, cfg.Steps, cfg.Batch = c.Int("epochs"), c.Int64("steps"), c.Int("batch")
	cfg.BLR, cfg.LR, cfg.MinLR, cfg.WarmupEpochs = c.Float64("blr"), c.Float64("lr"), c.Float64("min-lr"), c.Float64("warmup-epochs")
	cfg.WeightDecay, cfg.LayerDecay, cfg.ClipGrad = c.Float64("weight-decay"), c.Float64("layer-decay"), c.Float64("clip-grad")
	cfg.DropPath, cfg.Smoothing, cfg.Mixup, cfg.Cutmix = c.Float64("drop-path"), c.Float64("smoothing"), c.Float64("mixup"), c.Float64("cutmix")
	cfg.MixupProb, cfg.SwitchProb, cfg.ReProb = c.Float64("mixup-prob"), c.Float64("mixup-switch-prob"), c.Float64("reprob")
	cfg.RandAug, cfg.Crop = c.String("randaug"), !c.Bool("no-crop")
	cfg.Seed, cfg.Out, cfg.Resume, cfg.Keep = c.Uint64("seed"), c.String("out"), c.String("resume"), c.Int("keep")
	return cfg, nil
}

func runFinetune(c *cli.Context) error {
	cfg, err := finetuneConfigFromFlags(c)
	if err != nil {
		return err
	}
	ctx, stop := interruptible(c.Context, "finishing the step in flight and saving a checkpoint")
	defer stop()
	d, o, err := openOps(c, false)
	if err != nil {
		return err
	}
	defer d.Close()
	var bar *progressbar.ProgressBar
	hooks := finetune.Hooks{
		Start: func(resolved finetune.Config, plan finetune.Plan) error {
			js, _ := json.MarshalIndent(resolved, "", "  ")
			fmt.Fprintf(os.Stderr, "recipe:\n%s\n", js)
			fmt.Fprintf(os.Stderr, "%s; device %s; %d trainable parameters in %d lr groups (scales %.3g … %.3g); %d steps per epoch; %d steps; run directory %s\n",
				plan.Init, plan.Device, plan.Params, len(plan.Groups), plan.Groups[0].LRScale, plan.Groups[len(plan.Groups)-1].LRScale,
				plan.StepsPerEpoch, plan.TotalSteps, plan.RunDir)
			if !c.Bool("quiet") {
				bar = newTrainBar(mae.Plan{TotalSteps: plan.TotalSteps, FirstStep: plan.FirstStep})
			}
			return nil
		},
		Step: func(r finetune.StepReport) error {
			if bar != nil {
				bar.Describe(fmt.Sprintf("epoch %d  loss %.4f  acc %.1f%%  %.0f img/s", r.Epoch, r.Loss, 100*r.TrainAcc, r.ImagesPerSec))
				return bar.Set64(r.Step)
			}
			return nil
		},
		Epoch: func(r finetune.EpochReport) error {
			if bar != nil {
				bar.Clear()
			}
			msg := fmt.Sprintf("epoch %d done at step %d: train loss %.4f", r.Epoch, r.Step, r.TrainLoss)
			if r.Eval != nil {
				msg += fmt.Sprintf("; eval top-1 %.2f%% top-5 %.2f%% loss %.4f on %d images", 100*r.Eval.Top1, 100*r.Eval.Top5, r.Eval.Loss, r.Eval.Images)
				if r.Best {
					msg += " (best)"
				}
			}
			fmt.Fprintf(os.Stderr, "%s; checkpoint %s\n", msg, r.Checkpoint)
			return nil
		},
		Warn: func(msg string) {
			if bar != nil {
				bar.Clear()
			}
			fmt.Fprintln(os.Stderr, "warning:", msg)
		},
	}
	res, err := finetune.Train(ctx, o, cfg, hooks)
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(os.Stderr)
	}
	if errors.Is(err, finetune.ErrInterrupted) {
		fmt.Fprintln(os.Stderr, err)
		return cli.Exit("", 130)
	}
	if err != nil {
		return err
	}
	if c.Bool("json") {
		js, _ := json.MarshalIndent(res, "", "  ")
		fmt.Println(string(js))
		return nil
	}
	fmt.Printf("fine-tuned %d steps; run directory %s\n", res.Steps, res.RunDir)
	if res.Best != nil {
		fmt.Printf("best top-1 %.2f%% (top-5 %.2f%%), last top-1 %.2f%%\n", 100*res.Best.Top1, 100*res.Best.Top5, 100*res.Last.Top1)
	}
	return nil
}
