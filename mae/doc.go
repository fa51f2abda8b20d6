// Package mae is the Masked Autoencoder of He et al. (2021), the same model
// as the reference PyTorch code (facebookresearch/mae, models_mae.py): presets,
// parameters under the reference's state-dict names, initialisation, the
// forward and backward pass composed from ops, AdamW, the training loop and
// safetensors checkpoints.
package mae
