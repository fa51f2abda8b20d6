package finetune

import (
	"fmt"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
)

// RefResult is the outcome of one Reference forward and backward pass.
type RefResult struct {
	Loss   float64
	Logits []float64            // [N, Classes]
	Grads  map[string][]float64 // d loss/dθ for every tensor, by name
}

// Reference runs the classifier (models_vit.VisionTransformer,
// global_pool=True) forward and backward in float64 on images
// [N, C, H, W] with soft targets [N, Classes], composing the ops and mae
// references. scales holds the drop-path scales as Model.SetScales takes
// them (nil: none). params maps every tensor of NewLayout(cfg, classes)
// to its values:
//
//	x      = [cls + pos[0], patches·W'ᵀ + b + pos[1:]]    W' = mae.ConvToPatchOrder(patch_embed.proj.weight)
//	x      = blocks(x)
//	logits = head(fc_norm(mean of x[:, 1:]))
//	loss   = (1/N) Σ_n Σ_c target · (lse − logits)
//
// It panics with a "finetune:" message on inputs that do not fit.
func Reference(cfg mae.Config, classes int, params map[string][]float64, images []float64, n int, targets []float64, scales [][]float64) RefResult {
	layout, err := NewLayout(cfg, classes)
	if err != nil {
		panic(fmt.Sprintf("finetune: Reference: %v", err))
	}
	grads := map[string][]float64{}
	for _, t := range layout.Tensors {
		if len(params[t.Name]) != t.Len() {
			panic(fmt.Sprintf("finetune: Reference: %q has %d values, want %d", t.Name, len(params[t.Name]), t.Len()))
		}
		grads[t.Name] = make([]float64, t.Len())
	}
	c, hw, p, d := cfg.Channels, cfg.ImageSize, cfg.PatchSize, cfg.EncDim
	l, pd, tk := cfg.NumPatches(), cfg.PatchDim(), 1+cfg.NumPatches()
	if len(images) != n*c*hw*hw || len(targets) != n*classes || (scales != nil && len(scales) != 2*cfg.EncDepth) {
		panic(fmt.Sprintf("finetune: Reference: %d image values, %d targets, %d scale rows for N = %d", len(images), len(targets), len(scales), n))
	}
	net := mae.NewRefNet(cfg.LNEps, params, grads)

	patches := ops.PatchifyRef(images, n, c, hw, hw, p)
	wPatch := mae.ConvToPatchOrder(params["patch_embed.proj.weight"], d, c, p)
	emb := make([]float64, n*l*d)
	ops.GemmRef(ops.GemmSpec{TransB: true, M: n * l, N: d, K: pd, Batch: 1, Alpha: 1, Bias: true}, patches, wPatch, emb, params["patch_embed.proj.bias"], nil)
	pos, cls := params["pos_embed"], params["cls_token"]
	x := make([]float64, n*tk*d)
	for s := 0; s < n; s++ {
		for e := 0; e < d; e++ {
			x[s*tk*d+e] = cls[e] + pos[e]
		}
		for j := 0; j < l; j++ {
			for e := 0; e < d; e++ {
				x[(s*tk+1+j)*d+e] = emb[(s*l+j)*d+e] + pos[(1+j)*d+e]
			}
		}
	}
	shapes := make([]mae.RefBlockShape, cfg.EncDepth)
	caches := make([]mae.RefBlockCache, cfg.EncDepth)
	for i := range shapes {
		shapes[i] = mae.RefBlockShape{N: n, T: tk, Dim: d, Heads: cfg.EncHeads, Hidden: cfg.EncMLPDim()}
		if scales != nil {
			shapes[i].DropAttn, shapes[i].DropMLP = scales[2*i], scales[2*i+1]
		}
		x, caches[i] = net.Block(fmt.Sprintf("blocks.%d.", i), shapes[i], x)
	}
	nw, hwt := params["fc_norm.weight"], params["head.weight"]
	logits, hc := ops.ClassifierHeadRef(x, nw, params["fc_norm.bias"], hwt, params["head.bias"], n, tk, d, classes, cfg.LNEps)
	loss, dlogits := ops.SoftCrossEntropyRef(logits, targets, n, classes)

	hg := ops.ClassifierHeadBackwardRef(hc, nw, hwt, dlogits, n, tk, d, classes)
	grads["fc_norm.weight"], grads["fc_norm.bias"], grads["head.weight"], grads["head.bias"] = hg.DNormW, hg.DNormB, hg.DHeadW, hg.DHeadB
	dx := hg.DX
	for i := len(shapes) - 1; i >= 0; i-- {
		dx = net.BlockBackward(fmt.Sprintf("blocks.%d.", i), shapes[i], caches[i], dx)
	}
	dEmb := make([]float64, n*l*d)
	for s := 0; s < n; s++ {
		for t := 0; t < tk; t++ {
			for e := 0; e < d; e++ {
				g := dx[(s*tk+t)*d+e]
				grads["pos_embed"][t*d+e] += g
				if t == 0 {
					grads["cls_token"][e] += g
				} else {
					dEmb[(s*l+t-1)*d+e] = g
				}
			}
		}
	}
	dw := make([]float64, d*pd)
	ops.GemmRef(ops.GemmSpec{TransA: true, M: d, N: pd, K: n * l, Batch: 1, Alpha: 1}, dEmb, patches, dw, nil, nil)
	grads["patch_embed.proj.weight"] = mae.PatchToConvOrder(dw, d, c, p)
	grads["patch_embed.proj.bias"] = ops.BiasGradRef(dEmb, n*l, d)
	return RefResult{Loss: loss, Logits: logits, Grads: grads}
}
