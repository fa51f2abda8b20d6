package mae

import (
	"fmt"

	"github.com/mae-vk/mae-vk/loader"
)

// TrainConfig is everything a training run is made of. DefaultTrainConfig
// gives the defaults; flags override them; the resolved config is printed
// at start and saved as config.json.
type TrainConfig struct {
	Preset string `json:"preset"`
	Model  Config `json:"model"`

	Data    string `json:"data"`    // data set name or path (loader.Open)
	Split   string `json:"split"`   // train or test
	Augment string `json:"augment"` // none or mae
	Workers int    `json:"workers"` // decoding goroutines (0: one per CPU)

	Epochs int   `json:"epochs"`
	Steps  int64 `json:"steps"` // stop after this many steps (0: run all epochs)
	Batch  int   `json:"batch"`
	Accum  int   `json:"accum"` // micro-batches of Batch images per optimizer step

	BLR          float64 `json:"blr"`           // base learning rate: lr = blr · batch / 256
	LR           float64 `json:"lr"`            // absolute learning rate (overrides blr when > 0)
	MinLR        float64 `json:"min_lr"`        // floor of the cosine decay
	WarmupEpochs float64 `json:"warmup_epochs"` // linear warm-up, fractions allowed
	WeightDecay  float64 `json:"weight_decay"`
	Beta1        float64 `json:"beta1"`
	Beta2        float64 `json:"beta2"`
	Eps          float64 `json:"eps"`
	ClipGrad     float64 `json:"clip_grad"` // max gradient norm (0: no clipping)

	Seed uint64 `json:"seed"`
	Out  string `json:"out"` // run directory (empty: runs/<timestamp>)
	// Resume continues the run in this directory (or checkpoint) exactly.
	Resume      string `json:"resume,omitempty"`
	Keep        int    `json:"keep_checkpoints"`
	ReconImages int    `json:"recon_images"` // rows of the reconstruction grids
	// ReconEvery draws a reconstruction grid every this many steps too
	// (0: only at the end of each epoch).
	ReconEvery int64 `json:"recon_every"`
}

// DefaultTrainConfig is the `mae-vk train` default: the tiny preset on
// Fashion-MNIST with the reference optimizer settings.
func DefaultTrainConfig() TrainConfig {
	cfg, _ := Preset(DefaultPreset)
	return TrainConfig{
		Preset: DefaultPreset, Model: cfg,
		Data: "fashion-mnist", Split: "train", Augment: "none",
		Epochs: 10, Batch: 256, Accum: 1,
		BLR: 1.5e-4, MinLR: 0, WarmupEpochs: 1,
		WeightDecay: 0.05, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8,
		Seed: 0, Keep: 2, ReconImages: 8, ReconEvery: 50,
	}
}

// BaseLR is the peak learning rate: LR if set, else BLR · effective
// batch / 256, the effective batch being Batch · Accum.
func (c TrainConfig) BaseLR() float64 {
	if c.LR > 0 {
		return c.LR
	}
	return c.BLR * float64(c.Batch*max(c.Accum, 1)) / 256
}

// Validate reports the first bad setting, naming its flag.
func (c TrainConfig) Validate() error {
	if err := c.Model.Validate(); err != nil {
		return err
	}
	switch {
	case c.Batch < 1:
		return fmt.Errorf("--batch %d: must be at least 1", c.Batch)
	case c.Accum < 1:
		return fmt.Errorf("--accum %d: must be at least 1", c.Accum)
	case c.Epochs < 1:
		return fmt.Errorf("--epochs %d: must be at least 1", c.Epochs)
	case c.Steps < 0:
		return fmt.Errorf("--steps %d: must be 0 (no limit) or more", c.Steps)
	case c.BLR <= 0 && c.LR <= 0:
		return fmt.Errorf("--blr %g / --lr %g: one must be positive", c.BLR, c.LR)
	case c.WarmupEpochs < 0 || c.MinLR < 0 || c.WeightDecay < 0 || c.ClipGrad < 0:
		return fmt.Errorf("--warmup-epochs, --min-lr, --weight-decay and --clip-grad must not be negative")
	case c.Beta1 < 0 || c.Beta1 >= 1 || c.Beta2 < 0 || c.Beta2 >= 1:
		return fmt.Errorf("--beta1 %g / --beta2 %g: must be in [0, 1)", c.Beta1, c.Beta2)
	case c.Split != "train" && c.Split != "test":
		return fmt.Errorf("--split %q: want train or test", c.Split)
	}
	if _, err := loader.ParseAugment(c.Augment); err != nil {
		return fmt.Errorf("--augment: %w", err)
	}
	return nil
}
