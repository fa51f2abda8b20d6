package main

import (
	"errors"
	"fmt"

	"github.com/mae-vk/mae-vk/mae"
)

// flagOfField names the flag of each config field mae reports in a
// *mae.ConfigError.
var flagOfField = map[string]string{
	"Preset": "preset", "Model": "preset",
	"Model.ImageSize": "image-size", "Model.Channels": "channels", "Model.PatchSize": "patch",
	"Model.EncDim": "enc-dim", "Model.EncDepth": "enc-depth", "Model.EncHeads": "enc-heads",
	"Model.DecDim": "dec-dim", "Model.DecDepth": "dec-depth", "Model.DecHeads": "dec-heads",
	"Model.MLPRatio": "mlp-ratio", "Model.MaskRatio": "mask-ratio", "Model.NormPixLoss": "no-norm-pix",
	"MaskRatio": "mask-ratio", "ImageSize": "image-size", "Channels": "channels", "PatchSize": "patch",
	"EncDim": "enc-dim", "EncDepth": "enc-depth", "EncHeads": "enc-heads",
	"DecDim": "dec-dim", "DecDepth": "dec-depth", "DecHeads": "dec-heads", "MLPRatio": "mlp-ratio",
	"Data": "data", "Split": "split", "Augment": "augment", "Workers": "workers",
	"Epochs": "epochs", "Steps": "steps", "Batch": "batch", "Accum": "accum",
	"BLR": "blr", "LR": "lr", "MinLR": "min-lr", "WarmupEpochs": "warmup-epochs",
	"WeightDecay": "weight-decay", "Beta1": "beta1", "Beta2": "beta2", "ClipGrad": "clip-grad",
	"Seed": "seed", "Out": "out", "Resume": "resume", "Keep": "keep",
	"ReconEvery": "recon-every", "SaveEvery": "save-every", "SaveInterval": "save-every",
	"EvalEvery": "eval-every", "Weights": "weights", "CheckEvery": "check-every",
	"Precision": "precision",
}

// withFlagNames rewrites err when it is a *mae.ConfigError (or joins
// some) to name the flag: "--batch 0: must be at least 1". Other errors pass
// unchanged.
func withFlagNames(err error) error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, withFlagNames(e))
		}
		return errors.Join(out...)
	}
	ce, ok := err.(*mae.ConfigError) // a wrapped one keeps its wrapper's words
	if !ok {
		return err
	}
	flag, ok := flagOfField[ce.Field]
	if !ok {
		return err
	}
	if ce.Field == "Model.NormPixLoss" {
		return fmt.Errorf("--%s: %s", flag, ce.Detail())
	}
	return fmt.Errorf("--%s %v: %s", flag, ce.Value, ce.Detail())
}
