package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/urfave/cli/v2"
)

// weightsFlags are the flags of the commands that read trained weights.
func weightsFlags() []cli.Flag {
	return append(modelFlags(),
		&cli.StringFlag{Name: "weights", Usage: "model.safetensors (mae-vk's or a PyTorch state dict), a checkpoint or a run directory (required)"},
		&cli.Uint64Flag{Name: "seed", Usage: "seeds the masking"},
		precisionFlag(),
	)
}

// weightsDescription explains how the model flags combine with a file.
const weightsDescription = "The model's configuration comes from the weights file's metadata, which\n" +
	"mae-vk writes and which wins over the model flags. A file without it (as\n" +
	"safetensors.torch.save_file writes one) is read with the model flags when\n" +
	"any is given (--preset and the overrides), else with the configuration\n" +
	"inferred from its tensor shapes. --mask-ratio always applies."

// loadWeightsFromFlags loads --weights with the model flags: the
// architecture flags are passed on only when one of them is set, and
// --mask-ratio replaces the mask ratio of whatever config the file gets.
func loadWeightsFromFlags(c *cli.Context) (*mae.Params, error) {
	path := c.String("weights")
	if path == "" {
		return nil, fmt.Errorf("--weights: required: give a model.safetensors, a checkpoint or a run directory")
	}
	var cfg *mae.Config
	for _, f := range modelFlags() {
		name := f.Names()[0]
		if name != "mask-ratio" && c.IsSet(name) {
			m, _, err := modelFromFlags(c)
			if err != nil {
				return nil, err
			}
			cfg = &m
			break
		}
	}
	ratio := 0.0
	if c.IsSet("mask-ratio") {
		if ratio = c.Float64("mask-ratio"); !(ratio > 0 && ratio < 1) {
			return nil, fmt.Errorf("--mask-ratio %v: must be in (0, 1)", ratio)
		}
	}
	p, err := mae.LoadEvalWeights(path, cfg, ratio)
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		got := p.Config
		got.MaskRatio = cfg.MaskRatio
		if got != *cfg {
			fmt.Fprintf(os.Stderr, "warning: %s holds its model configuration, which wins over the model flags\n", path)
		}
	}
	return p, nil
}

func evalCommand() *cli.Command {
	return &cli.Command{
		Name:  "eval",
		Usage: "measure the masked-patch loss of trained weights on a data set split",
		Description: "eval reads the split once, in order, with the eval transform (resize and\n" +
			"center crop to the model's size, channel conversion, the data set's\n" +
			"normalization), masks batch k with a generator seeded from --seed and k,\n" +
			"and prints the mean loss over the masked patches of every image of the\n" +
			"split (a last partial batch is padded, only its real images count).\n\n" +
			weightsDescription,
		Flags: append(append(weightsFlags(),
			&cli.StringFlag{Name: "data", Value: mae.DefaultEvalData, Usage: "data set: fashion-mnist, mnist, or a path (IDX files, CIFAR batches, image folder)"},
			&cli.StringFlag{Name: "split", Value: mae.DefaultEvalSplit, Usage: "train or test"},
			&cli.IntFlag{Name: "batch", Value: mae.DefaultEvalBatch, Usage: "images per forward pass (at most the split's size)"},
			workersFlag(),
			&cli.BoolFlag{Name: "json", Usage: "print a JSON object"},
			&cli.StringFlag{Name: "task", Value: "mae", Usage: "mae (masked-patch loss of MAE weights) or classify (top-1/top-5 of a mae-vk finetune run)"},
		), distFlags()...),
		Action: runEval,
	}
}

// evalJSON is the stable JSON form of an evaluation.
type evalJSON struct {
	Loss            float64    `json:"loss"`
	Images          int        `json:"images"`
	SplitImages     int        `json:"split_images"`
	Data            string     `json:"data"`
	Split           string     `json:"split"`
	Weights         string     `json:"weights"`
	Device          string     `json:"device"`
	ImagesPerSecond float64    `json:"images_per_second"`
	Seconds         float64    `json:"seconds"`
	Batch           int        `json:"batch"`
	Seed            uint64     `json:"seed"`
	Skipped         int        `json:"skipped"`
	Model           mae.Config `json:"model"`
}

// runEval evaluates, split over the ranks when started under MPI (rank 0
// prints the group's result).
func runEval(c *cli.Context) error {
	if c.Args().Present() {
		return fmt.Errorf("eval takes no arguments, got %q (flags go before arguments)", c.Args().Slice())
	}
	switch c.String("task") {
	case "classify":
		return runEvalClassify(c)
	case "mae":
	default:
		return fmt.Errorf("--task %q: want mae or classify", c.String("task"))
	}
	g, err := joinGroup(c)
	if err != nil {
		return err
	}
	return g.finish(evalIn(c, g))
}

func evalIn(c *cli.Context, g *group) error {
	p, err := loadWeightsFromFlags(c)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, o, prec, err := openOpsPrecision(c, g.openOps, false)
	if err != nil {
		return err
	}
	defer d.Close()
	cfg := mae.EvalConfig{Precision: prec,
		Params: p, Data: c.String("data"), Split: c.String("split"), Batch: c.Int("batch"),
		Seed: c.Uint64("seed"), Workers: c.Int("workers"), Group: g.mae(),
		Warn: func(msg string) { fmt.Fprintf(os.Stderr, "%swarning: %s\n", g.prefix(), msg) },
	}
	if cfg.Batch < 1 {
		return fmt.Errorf("--batch %d: must be at least 1", cfg.Batch)
	}
	res, err := mae.Evaluate(ctx, o, cfg)
	if err != nil || !g.lead() {
		return err
	}
	if c.Bool("json") {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(evalJSON{
			Loss: res.Loss, Images: res.Images, SplitImages: res.SplitSize,
			Data: cfg.Data, Split: cfg.Split, Weights: c.String("weights"), Device: res.Device,
			ImagesPerSecond: res.ImagesPerSec, Seconds: res.Seconds, Batch: res.Batch, Seed: cfg.Seed,
			Skipped: res.Skipped, Model: res.Model,
		})
	}
	fmt.Printf("loss %.6f over %d of %d images of %s (%d batches of %d, mask ratio %g, seed %d); %.0f images/s on %s\n",
		res.Loss, res.Images, res.SplitSize, res.Data, res.Batches, res.Batch, res.Model.MaskRatio, cfg.Seed, res.ImagesPerSec, res.Device)
	if res.Skipped > 0 {
		fmt.Fprintf(os.Stderr, "warning: %d unreadable pictures were skipped\n", res.Skipped)
	}
	return nil
}
