package mae

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/ops"
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
	// Precision is fp32, fp16 or bf16 (empty: the device's default, see
	// ResolvePrecision); the run directory's config.json holds the one used.
	Precision string `json:"precision,omitempty"`

	Seed uint64 `json:"seed"`
	Out  string `json:"out"` // run directory (empty: runs/<timestamp>)
	// Resume continues the run in this directory (or checkpoint) exactly.
	Resume      string `json:"resume,omitempty"`
	Keep        int    `json:"keep_checkpoints"`
	ReconImages int    `json:"recon_images"` // rows of the reconstruction grids
	// ReconEvery draws a reconstruction grid every this many steps too
	// (0: only at the end of each epoch).
	ReconEvery int64 `json:"recon_every"`
	// SaveEvery saves every this many steps too (0: not by steps), and
	// SaveInterval when this much time passed since the last save (0: not
	// by time); a run always saves at each epoch's end.
	SaveEvery    int64    `json:"save_every_steps,omitempty"`
	SaveInterval Duration `json:"save_interval,omitempty"`
	// EvalEvery evaluates the held-out split every this many steps (0:
	// never); see EvalHook.
	EvalEvery int64 `json:"eval_every,omitempty"`

	// World is the number of data-parallel processes (0 or 1: one);
	// TrainGroup sets it from its Group. Batch is per process, the global
	// batch World · Batch · Accum (GlobalBatch).
	World int `json:"world,omitempty"`
	// CheckEvery is how often, in steps, the processes of a group compare
	// parameter checksums (0: DefaultCheckEvery); also at every save.
	CheckEvery int64 `json:"check_every,omitempty"`
}

// DefaultSaveInterval is how often a run saves within an epoch by default.
const DefaultSaveInterval = Duration(30 * time.Minute)

// Duration is a time.Duration that reads and writes JSON as "30m0s".
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string such as \"30m\": %w", err)
	}
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
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
		Seed: 0, Keep: 2, ReconImages: 8, ReconEvery: 50, SaveInterval: DefaultSaveInterval,
	}
}

// BaseLR is the peak learning rate: LR if set, else BLR · effective
// batch / 256, the effective batch being World · Batch · Accum.
func (c TrainConfig) BaseLR() float64 {
	if c.LR > 0 {
		return c.LR
	}
	return c.BLR * float64(c.GlobalBatch()) / 256
}

// GlobalBatch is the images per optimizer step over all processes:
// World · Batch · Accum.
func (c TrainConfig) GlobalBatch() int {
	return max(c.World, 1) * c.Batch * max(c.Accum, 1)
}

// Validate reports every bad setting as a *ConfigError naming its field
// (several are joined).
func (c TrainConfig) Validate() error {
	errs := []error{prefixField("Model", c.Model.Validate())}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	for _, r := range []struct {
		field  string
		value  any
		ok     bool
		reason string
	}{
		{"Batch", c.Batch, c.Batch >= 1, "must be at least 1"},
		{"Accum", c.Accum, c.Accum >= 1, "must be at least 1"},
		{"Epochs", c.Epochs, c.Epochs >= 1, "must be at least 1"},
		{"Steps", c.Steps, c.Steps >= 0, "must be 0 (no limit) or more"},
		{"Workers", c.Workers, c.Workers >= 0, "must be 0 (one per CPU) or more"},
		{"BLR", c.BLR, c.BLR > 0 && finite(c.BLR), "must be positive"},
		{"LR", c.LR, c.LR >= 0 && finite(c.LR), "must be positive, or 0 to derive it from the base rate"},
		{"MinLR", c.MinLR, c.MinLR >= 0 && finite(c.MinLR), "must be 0 or more"},
		{"WarmupEpochs", c.WarmupEpochs, c.WarmupEpochs >= 0 && finite(c.WarmupEpochs), "must be 0 or more"},
		{"WeightDecay", c.WeightDecay, c.WeightDecay >= 0 && finite(c.WeightDecay), "must be 0 or more"},
		{"ClipGrad", c.ClipGrad, c.ClipGrad >= 0 && finite(c.ClipGrad), "must be 0 (no clipping) or more"},
		{"Beta1", c.Beta1, c.Beta1 >= 0 && c.Beta1 < 1, "must be in [0, 1)"},
		{"Beta2", c.Beta2, c.Beta2 >= 0 && c.Beta2 < 1, "must be in [0, 1)"},
		{"Eps", c.Eps, c.Eps > 0 && finite(c.Eps), "must be positive"},
		{"Split", c.Split, c.Split == "train" || c.Split == "test", "want train or test"},
		{"Keep", c.Keep, c.Keep >= 0, "must be 0 (keep all) or more"},
		{"ReconImages", c.ReconImages, c.ReconImages >= 0, "must be 0 (no pictures) or more"},
		{"ReconEvery", c.ReconEvery, c.ReconEvery >= 0, "must be 0 (each epoch only) or more"},
		{"SaveEvery", c.SaveEvery, c.SaveEvery >= 0, "must be 0 or more"},
		{"SaveInterval", time.Duration(c.SaveInterval), c.SaveInterval >= 0, "must be 0 or more"},
		{"EvalEvery", c.EvalEvery, c.EvalEvery >= 0, "must be 0 (never) or more"},
		{"World", c.World, c.World >= 0, "must be 0 (one process) or more"},
		{"CheckEvery", c.CheckEvery, c.CheckEvery >= 0, "must be 0 (the default) or more"},
	} {
		if !r.ok {
			errs = append(errs, configErrorf(r.field, r.value, "%s", r.reason))
		}
	}
	if c.Precision != "" {
		if _, err := ops.ParsePrecision(c.Precision); err != nil {
			errs = append(errs, &ConfigError{Field: "Precision", Value: c.Precision, Reason: "want fp32, fp16 or bf16"})
		}
	}
	if _, err := loader.ParseAugment(c.Augment); err != nil {
		errs = append(errs, &ConfigError{Field: "Augment", Value: c.Augment, Err: err})
	}
	return errors.Join(errs...)
}
