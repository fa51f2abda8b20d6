// Package finetune trains a classifier on a pre-trained MAE encoder, as
// the reference's main_finetune.py does with models_vit: the encoder
// without masking, the global average pool of the patch tokens, fc_norm
// and a linear head, under the reference names so that PyTorch loads the
// result. It holds the classifier model (on the MAE's shared encoder
// blocks, mae.Stack), its float64 reference, the recipe (layer-wise lr
// decay, drop path, label smoothing, mixup/cutmix, …), the training loop
// with per-epoch evaluation, and the checkpoints.
//
// Fine-tuning runs in float32.
package finetune
