package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/mae-vk/mae-vk/finetune"
	"github.com/urfave/cli/v2"
)

// classifyJSON is the JSON form of eval --task classify.
type classifyJSON struct {
	finetune.EvalResult
	Data    string `json:"data"`
	Split   string `json:"split"`
	Weights string `json:"weights"`
}

// runEvalClassify scores a fine-tuned classifier (eval --task classify).
func runEvalClassify(c *cli.Context) error {
	path := c.String("weights")
	if path == "" {
		return fmt.Errorf("--weights: required: give a mae-vk finetune run directory (its best weights), a checkpoint or a model.safetensors")
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, o, err := openOps(c, false)
	if err != nil {
		return err
	}
	defer d.Close()
	if c.Int("batch") < 1 {
		return fmt.Errorf("--batch %d: must be at least 1", c.Int("batch"))
	}
	warn := func(msg string) { fmt.Fprintln(os.Stderr, "warning:", msg) }
	res, err := finetune.Evaluate(ctx, o, path, c.String("data"), c.String("split"), c.Int("batch"), 0, warn)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(classifyJSON{res, c.String("data"), c.String("split"), path})
	}
	fmt.Printf("top-1 %.2f%%  top-5 %.2f%%  loss %.4f over %d images of %s/%s\n",
		100*res.Top1, 100*res.Top5, res.Loss, res.Images, c.String("data"), c.String("split"))
	return nil
}
