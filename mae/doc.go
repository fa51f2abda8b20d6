// Package mae is the Masked Autoencoder of He et al. (2021), the same model
// as the reference PyTorch code (facebookresearch/mae, models_mae.py): presets,
// parameters under the reference's state-dict names, initialisation, the
// forward and backward pass composed from ops, AdamW, the training loop and
// safetensors checkpoints.
//
// The training loop is a library function: Train(ctx, o, cfg, hooks...)
// trains on the device and GEMM configuration of o and calls the named
// hooks (Hook) at start, each step, periodic ticks, saves, epoch ends,
// evaluations and the end. With no hooks it writes nothing; RunDirHooks
// give what `mae-vk train` writes (checkpoints, metrics.jsonl, pictures,
// loss.png) and EvalHook evaluates during training. Bad settings are
// *ConfigError values naming the config field, which cmd/mae-vk turns into
// flag names.
package mae
