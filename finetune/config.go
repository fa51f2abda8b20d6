package finetune

import (
	"fmt"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/mae"
)

// Config is a fine-tuning run: the reference recipe of main_finetune.py
// (FINETUNE.md's ViT-B settings) scaled to the preset. DefaultConfig gives
// the defaults; flags override them; the resolved config is printed at
// start and saved as config.json.
type Config struct {
	Preset  string     `json:"preset"`
	Model   mae.Config `json:"model"`   // the encoder (from the weights when given)
	Weights string     `json:"weights"` // pre-trained MAE checkpoint or run directory; "" = random init
	Classes int        `json:"classes"`

	Data      string `json:"data"`
	EvalSplit string `json:"eval_split"` // held-out split evaluated each epoch ("" = none)
	// TrainImages and EvalImages use the first so many images of each
	// split (0: all), for short runs.
	TrainImages int `json:"train_images"`
	EvalImages  int `json:"eval_images"`
	Workers     int `json:"workers"`

	Epochs int   `json:"epochs"`
	Steps  int64 `json:"steps"` // stop after this many steps (0: all epochs)
	Batch  int   `json:"batch"`

	BLR          float64 `json:"blr"` // lr = blr · batch / 256
	LR           float64 `json:"lr"`  // absolute lr (overrides blr when > 0)
	MinLR        float64 `json:"min_lr"`
	WarmupEpochs float64 `json:"warmup_epochs"`
	WeightDecay  float64 `json:"weight_decay"`
	LayerDecay   float64 `json:"layer_decay"` // 1 = off
	Beta1        float64 `json:"beta1"`
	Beta2        float64 `json:"beta2"`
	Eps          float64 `json:"eps"`
	ClipGrad     float64 `json:"clip_grad"` // 0 = off, as the reference

	DropPath   float64 `json:"drop_path"`
	Smoothing  float64 `json:"smoothing"`
	Mixup      float64 `json:"mixup"`       // Beta α of mixup (0 = off)
	Cutmix     float64 `json:"cutmix"`      // Beta α of cutmix (0 = off)
	MixupProb  float64 `json:"mixup_prob"`  // chance a batch is mixed
	SwitchProb float64 `json:"switch_prob"` // chance of cutmix when both are on
	ReProb     float64 `json:"reprob"`      // random erasing
	RandAug    string  `json:"randaug"`     // timm string, or none
	Crop       bool    `json:"crop"`        // RandomResizedCrop (0.2–1) + flip in the loader

	Seed   uint64 `json:"seed"`
	Out    string `json:"out"`
	Resume string `json:"resume,omitempty"`
	Keep   int    `json:"keep_checkpoints"`
}

// DefaultConfig is the `mae-vk finetune` default for a preset: the
// reference recipe (blr 5e-4, layer decay 0.75, weight decay 0.05, drop
// path 0.1, smoothing 0.1, mixup 0.8, cutmix 1.0, switch 0.5, erasing
// 0.25, rand-m9-mstd0.5-inc1, AdamW β = (0.9, 0.999), min lr 1e-6) with
// the length scaled down: the reference's 100 epochs with 5 of warm-up
// become 10 with 1 for the small presets.
func DefaultConfig(preset string) (Config, error) {
	cfg, err := mae.Preset(preset)
	if err != nil {
		return Config{}, err
	}
	epochs, warmup, dp := 10, 1.0, 0.1
	switch preset {
	case "vit-b16":
		epochs, warmup = 100, 5
	case "vit-l16":
		epochs, warmup, dp = 50, 5, 0.2
	case "vit-h14":
		epochs, warmup, dp = 50, 5, 0.3
	}
	return Config{
		Preset: preset, Model: cfg, Classes: 0,
		Data: "fashion-mnist", EvalSplit: "test",
		Epochs: epochs, Batch: 256,
		BLR: 5e-4, MinLR: 1e-6, WarmupEpochs: warmup, WeightDecay: 0.05, LayerDecay: 0.75,
		Beta1: 0.9, Beta2: 0.999, Eps: 1e-8,
		DropPath: dp, Smoothing: 0.1, Mixup: 0.8, Cutmix: 1.0, MixupProb: 1, SwitchProb: 0.5,
		ReProb: 0.25, RandAug: "rand-m9-mstd0.5-inc1", Crop: true,
		Keep: 2,
	}, nil
}

// BaseLR is the peak learning rate: LR if set, else BLR · Batch / 256.
func (c Config) BaseLR() float64 {
	if c.LR > 0 {
		return c.LR
	}
	return c.BLR * float64(c.Batch) / 256
}

// Validate reports the first bad setting, naming its flag.
func (c Config) Validate() error {
	if err := c.Model.Validate(); err != nil {
		return err
	}
	prob := func(v float64) bool { return v >= 0 && v <= 1 }
	switch {
	case c.TrainImages < 0 || c.EvalImages < 0:
		return fmt.Errorf("--train-images %d / --eval-images %d: must not be negative (0: all)", c.TrainImages, c.EvalImages)
	case c.Classes < 2:
		return fmt.Errorf("--classes %d: need at least 2", c.Classes)
	case c.Batch < 2:
		return fmt.Errorf("--batch %d: must be at least 2", c.Batch)
	case c.Epochs < 1:
		return fmt.Errorf("--epochs %d: must be at least 1", c.Epochs)
	case c.Steps < 0:
		return fmt.Errorf("--steps %d: must be 0 (no limit) or more", c.Steps)
	case c.BLR <= 0 && c.LR <= 0:
		return fmt.Errorf("--blr %g / --lr %g: one must be positive", c.BLR, c.LR)
	case c.WarmupEpochs < 0 || c.MinLR < 0 || c.WeightDecay < 0 || c.ClipGrad < 0:
		return fmt.Errorf("--warmup-epochs, --min-lr, --weight-decay and --clip-grad must not be negative")
	case !(c.LayerDecay > 0 && c.LayerDecay <= 1):
		return fmt.Errorf("--layer-decay %g: must be in (0, 1] (1 turns it off)", c.LayerDecay)
	case c.Beta1 < 0 || c.Beta1 >= 1 || c.Beta2 < 0 || c.Beta2 >= 1:
		return fmt.Errorf("--beta1 %g / --beta2 %g: must be in [0, 1)", c.Beta1, c.Beta2)
	case !(c.DropPath >= 0 && c.DropPath < 1):
		return fmt.Errorf("--drop-path %g: must be in [0, 1)", c.DropPath)
	case !(c.Smoothing >= 0 && c.Smoothing < 1):
		return fmt.Errorf("--smoothing %g: must be in [0, 1)", c.Smoothing)
	case c.Mixup < 0 || c.Cutmix < 0:
		return fmt.Errorf("--mixup %g / --cutmix %g: must not be negative (0 turns it off)", c.Mixup, c.Cutmix)
	case !prob(c.MixupProb) || !prob(c.SwitchProb) || !prob(c.ReProb):
		return fmt.Errorf("--mixup-prob, --mixup-switch-prob and --reprob must be in [0, 1]")
	case c.EvalSplit != "" && c.EvalSplit != "test" && c.EvalSplit != "train":
		return fmt.Errorf("--eval-split %q: want test, train or none", c.EvalSplit)
	}
	if _, _, err := loader.ParseRandAugment(c.RandAug); err != nil {
		return fmt.Errorf("--randaug: %w", err)
	}
	return nil
}

// mixup is the recipe's loader.Mixup.
func (c Config) mixup() loader.Mixup {
	return loader.Mixup{MixupAlpha: c.Mixup, CutmixAlpha: c.Cutmix, Prob: c.MixupProb, SwitchProb: c.SwitchProb, Smoothing: c.Smoothing, Classes: c.Classes}
}

// schedule is the recipe's learning-rate schedule.
func (c Config) schedule() mae.Schedule {
	return mae.Schedule{Base: c.BaseLR(), Min: c.MinLR, Warmup: c.WarmupEpochs, Epochs: float64(c.Epochs)}
}
