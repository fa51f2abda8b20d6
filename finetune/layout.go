package finetune

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mae-vk/mae-vk/mae"
)

// NewLayout returns the parameter layout of the classifier of encoder cfg
// with classes outputs, every tensor trainable, in models_vit's
// state-dict order: cls_token, pos_embed, patch_embed.proj.{weight,bias},
// blocks.{i}.*, fc_norm.{weight,bias}, head.{weight,bias}.
//
// Weight decay follows the reference's param_groups_lrd: a tensor is
// decayed unless it has one dimension (biases, norms) or is in
// no_weight_decay() = {pos_embed, cls_token}.
func NewLayout(cfg mae.Config, classes int) (*mae.Layout, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if classes < 1 {
		return nil, fmt.Errorf("finetune: %d classes: need at least 1", classes)
	}
	var ts []mae.Tensor
	add := func(name string, shape ...int) {
		decay := len(shape) > 1 && name != "pos_embed" && name != "cls_token"
		ts = append(ts, mae.Tensor{Name: name, Shape: shape, Trainable: true, WeightDecay: decay})
	}
	linear := func(name string, out, in int) {
		add(name+".weight", out, in)
		add(name+".bias", out)
	}
	d, hidden := cfg.EncDim, cfg.EncMLPDim()
	add("cls_token", 1, 1, d)
	add("pos_embed", 1, cfg.NumPatches()+1, d)
	add("patch_embed.proj.weight", d, cfg.Channels, cfg.PatchSize, cfg.PatchSize)
	add("patch_embed.proj.bias", d)
	for i := 0; i < cfg.EncDepth; i++ {
		b := fmt.Sprintf("blocks.%d.", i)
		add(b+"norm1.weight", d)
		add(b+"norm1.bias", d)
		linear(b+"attn.qkv", 3*d, d)
		linear(b+"attn.proj", d, d)
		add(b+"norm2.weight", d)
		add(b+"norm2.bias", d)
		linear(b+"mlp.fc1", hidden, d)
		linear(b+"mlp.fc2", d, hidden)
	}
	add("fc_norm.weight", d)
	add("fc_norm.bias", d)
	linear("head", classes, d)
	return mae.NewLayoutFrom(ts)
}

// LayerID is the reference's get_layer_id_for_vit: 0 for cls_token,
// pos_embed and patch_embed, i+1 for blocks.i, depth+1 for the rest
// (fc_norm, head).
func LayerID(name string, depth int) int {
	switch {
	case name == "cls_token" || name == "pos_embed" || strings.HasPrefix(name, "patch_embed"):
		return 0
	case strings.HasPrefix(name, "blocks."):
		rest := strings.TrimPrefix(name, "blocks.")
		if i, err := strconv.Atoi(rest[:strings.IndexByte(rest, '.')]); err == nil {
			return i + 1
		}
	}
	return depth + 1
}

// Group is a contiguous range of the flat parameter buffer that shares
// one learning-rate scale: one per layer id.
type Group struct {
	Layer      int
	Start, End int     // element range [Start, End), 256-byte aligned
	LRScale    float64 // layerDecay^(depth+1 − Layer)
}

// Groups splits layout l of an encoder of the given depth into its
// layer-wise learning-rate groups (param_groups_lrd's lr_scale):
//
//	scale(layer) = layerDecay^(depth + 1 − layer)
//
// so the head has scale 1 and the embeddings the smallest.
func Groups(l *mae.Layout, depth int, layerDecay float64) []Group {
	var gs []Group
	for i, t := range l.Tensors {
		id := LayerID(t.Name, depth)
		end := l.TrainableLen
		if i+1 < len(l.Tensors) {
			end = l.Tensors[i+1].Offset
		}
		if len(gs) > 0 && gs[len(gs)-1].Layer == id {
			gs[len(gs)-1].End = end
			continue
		}
		scale := 1.0
		for k := id; k < depth+1; k++ {
			scale *= layerDecay
		}
		gs = append(gs, Group{Layer: id, Start: t.Offset, End: end, LRScale: scale})
	}
	return gs
}
