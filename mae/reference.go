package mae

import (
	"fmt"

	"github.com/mae-vk/mae-vk/ops"
)

// RefResult is the outcome of one Reference forward and backward pass.
type RefResult struct {
	Loss   float64              // masked (normalized-pixel) MSE
	Pred   []float64            // decoder prediction [N, L, p·p·C] (class row dropped)
	Latent []float64            // encoder output after norm [N, 1+Lk, D]
	Grads  map[string][]float64 // dLoss/dθ for every trainable tensor, by name
}

// Reference runs MaskedAutoencoderViT (models_mae.py) forward and backward in
// float64 on images [N, C, H, W] (already normalized) with the given masking,
// composing the ops references. params maps every tensor name of the layout
// (trainable and fixed, e.g. Params.Float64()) to its values in the
// reference shape. With P = p·p·C, D, Dd the encoder and decoder widths:
//
//	patches = patchify(images)                       [N, L, P], order (row, col, channel)
//	x  = patches·W'ᵀ + b + pos_embed[1:]             W' = ConvToPatchOrder(patch_embed.proj.weight)
//	x  = cat(cls_token + pos_embed[0], gather(x, ids_keep))          [N, 1+Lk, D]
//	x  = norm(blocks(x))                             (Latent)
//	z  = decoder_embed(x)                            [N, 1+Lk, Dd]
//	z  = unshuffle(z, mask_token, ids_restore) + decoder_pos_embed   [N, 1+L, Dd]
//	y  = decoder_pred(decoder_norm(decoder_blocks(z)))[:, 1:]        [N, L, P] (Pred)
//	loss = Σ mask·mean_P (y − t')² / Σ mask,  t' = norm-pix(patches) if NormPixLoss
//
// The patch embedding multiplies the (row, col, channel) patch vectors by
// the conv weight permuted to the same order, which equals the reference's
// stride-p Conv2d; its gradient is permuted back to [D, C, p, p].
//
// Reference panics with a "mae:" message if cfg is invalid, a tensor is
// missing, unknown or of the wrong length, or images or m do not match cfg
// and n.
func Reference(cfg Config, params map[string][]float64, images []float64, n int, m Masking) RefResult {
	layout, err := NewLayout(cfg)
	if err != nil {
		panic(fmt.Sprintf("mae: Reference: %v", err))
	}
	checkRefInputs(cfg, layout, params, images, n, m)
	r := &refNet{cfg: cfg, p: params, grads: map[string][]float64{}}
	for _, t := range layout.Tensors {
		if t.Trainable {
			r.grads[t.Name] = make([]float64, t.Len())
		}
	}

	c, hw, p := cfg.Channels, cfg.ImageSize, cfg.PatchSize
	l, pd, lk := cfg.NumPatches(), cfg.PatchDim(), cfg.KeepCount()
	d, dd := cfg.EncDim, cfg.DecDim
	tEnc, tDec := 1+lk, 1+l
	enc := blockShape{n: n, t: tEnc, dim: d, heads: cfg.EncHeads, hidden: cfg.EncMLPDim()}
	dec := blockShape{n: n, t: tDec, dim: dd, heads: cfg.DecHeads, hidden: cfg.DecMLPDim()}
	pos, dpos := r.param("pos_embed"), r.param("decoder_pos_embed")

	// Encoder.
	patches := ops.PatchifyRef(images, n, c, hw, hw, p)
	wPatch := ConvToPatchOrder(r.param("patch_embed.proj.weight"), d, c, p)
	emb := linearForward(patches, wPatch, r.param("patch_embed.proj.bias"), n*l, pd, d)
	emb = ops.BroadcastAddRef(emb, pos[d:], n, l, d)
	visible := ops.GatherTokensRef(emb, m.IDsKeep, n, l, lk, d)
	x := prependClass(ops.AddRef(r.param("cls_token"), pos[:d]), visible, n, lk, d)
	encCaches := make([]*blockCache, cfg.EncDepth)
	for i := range encCaches {
		x, encCaches[i] = r.blockForward(fmt.Sprintf("blocks.%d.", i), enc, x)
	}
	latent, normCache := r.layerNorm("norm", x, n*tEnc, d)

	// Decoder.
	z := r.linear("decoder_embed", latent, n*tEnc, d, dd)
	z = ops.UnshuffleRef(z, r.param("mask_token"), m.IDsRestore, n, l, lk, dd)
	z = ops.BroadcastAddRef(z, dpos, n, tDec, dd)
	decCaches := make([]*blockCache, cfg.DecDepth)
	for i := range decCaches {
		z, decCaches[i] = r.blockForward(fmt.Sprintf("decoder_blocks.%d.", i), dec, z)
	}
	zn, decNormCache := r.layerNorm("decoder_norm", z, n*tDec, dd)
	full := r.linear("decoder_pred", zn, n*tDec, dd, pd)
	pred := dropClass(full, n, l, pd)
	loss, dPred := ops.MaskedMSELossRef(pred, patches, m.Mask, n, l, pd, cfg.NormPixLoss)

	// Backward, decoder.
	dz := r.linearBack("decoder_pred", zn, padClass(dPred, n, l, pd), n*tDec, dd, pd)
	dz = r.layerNormBack("decoder_norm", decNormCache, dz, n*tDec, dd)
	for i := len(decCaches) - 1; i >= 0; i-- {
		dz = r.blockBackward(fmt.Sprintf("decoder_blocks.%d.", i), dec, decCaches[i], dz)
	}
	dzEmb, dMask := ops.UnshuffleBackwardRef(dz, m.IDsRestore, n, l, lk, dd)
	r.addGrad("mask_token", dMask)
	dLatent := r.linearBack("decoder_embed", latent, dzEmb, n*tEnc, d, dd)

	// Backward, encoder.
	dx := r.layerNormBack("norm", normCache, dLatent, n*tEnc, d)
	for i := len(encCaches) - 1; i >= 0; i-- {
		dx = r.blockBackward(fmt.Sprintf("blocks.%d.", i), enc, encCaches[i], dx)
	}
	dCls, dVisible := splitClass(dx, n, lk, d)
	r.addGrad("cls_token", dCls)
	dEmb := ops.GatherTokensBackwardRef(dVisible, m.IDsKeep, n, l, lk, d)
	_, dwPatch, dbPatch := linearBackward(patches, wPatch, dEmb, n*l, pd, d)
	r.addGrad("patch_embed.proj.weight", PatchToConvOrder(dwPatch, d, c, p))
	r.addGrad("patch_embed.proj.bias", dbPatch)

	return RefResult{Loss: loss, Pred: pred, Latent: latent, Grads: r.grads}
}

// checkRefInputs panics unless params, images and m fit cfg and n.
func checkRefInputs(cfg Config, layout *Layout, params map[string][]float64, images []float64, n int, m Masking) {
	for name := range params {
		if _, ok := layout.Lookup(name); !ok {
			panic(fmt.Sprintf("mae: Reference: unknown tensor %q", name))
		}
	}
	for _, t := range layout.Tensors {
		v, ok := params[t.Name]
		if !ok {
			panic(fmt.Sprintf("mae: Reference: missing tensor %q", t.Name))
		}
		if len(v) != t.Len() {
			panic(fmt.Sprintf("mae: Reference: %q has %d elements, want %d %v", t.Name, len(v), t.Len(), t.Shape))
		}
	}
	if want := n * cfg.Channels * cfg.ImageSize * cfg.ImageSize; n < 1 || len(images) != want {
		panic(fmt.Sprintf("mae: Reference: len(images) = %d with n = %d, want n ≥ 1 and %d", len(images), n, want))
	}
	l, lk := cfg.NumPatches(), cfg.KeepCount()
	if m.N != n || m.L != l || m.Keep != lk || len(m.IDsKeep) != n*lk || len(m.IDsRestore) != n*l || len(m.Mask) != n*l {
		panic(fmt.Sprintf("mae: Reference: masking N=%d L=%d Keep=%d does not match n=%d L=%d Lk=%d", m.N, m.L, m.Keep, n, l, lk))
	}
}

// prependClass returns [n, 1+t, d]: the class row cls [d] followed by each
// sample's t rows of x [n, t, d].
func prependClass(cls, x []float64, n, t, d int) []float64 {
	y := make([]float64, n*(1+t)*d)
	for s := 0; s < n; s++ {
		copy(y[s*(1+t)*d:], cls)
		copy(y[(s*(1+t)+1)*d:], x[s*t*d:(s+1)*t*d])
	}
	return y
}

// splitClass is the backward of prependClass: the class gradient summed over
// the batch, and the other rows [n, t, d].
func splitClass(dy []float64, n, t, d int) (dcls, dx []float64) {
	dcls = make([]float64, d)
	dx = make([]float64, n*t*d)
	for s := 0; s < n; s++ {
		for e, v := range dy[s*(1+t)*d:][:d] {
			dcls[e] += v
		}
		copy(dx[s*t*d:], dy[(s*(1+t)+1)*d:(s+1)*(1+t)*d])
	}
	return dcls, dx
}

// dropClass returns x [n, 1+t, d] without each sample's first row.
func dropClass(x []float64, n, t, d int) []float64 {
	y := make([]float64, n*t*d)
	for s := 0; s < n; s++ {
		copy(y[s*t*d:], x[(s*(1+t)+1)*d:(s+1)*(1+t)*d])
	}
	return y
}

// padClass is the backward of dropClass: dy [n, t, d] with a zero row put
// back in front of each sample.
func padClass(dy []float64, n, t, d int) []float64 {
	y := make([]float64, n*(1+t)*d)
	for s := 0; s < n; s++ {
		copy(y[(s*(1+t)+1)*d:], dy[s*t*d:(s+1)*t*d])
	}
	return y
}
