package mae

import (
	"fmt"

	"github.com/mae-vk/mae-vk/ops"
)

// MaskingFromMask is the masking of n samples whose masks [N, L] are given
// (1 removed, 0 visible), as hand-painted masks are: in each sample's
// ids_shuffle the visible patches come first, then the removed ones, each
// in patch order. Every sample must keep the same number of patches, at
// least one.
func MaskingFromMask(mask []float64, n, l int) (Masking, error) {
	if n < 1 || l < 1 || len(mask) != n*l {
		return Masking{}, fmt.Errorf("mae: %d mask values for %d samples of %d patches", len(mask), n, l)
	}
	keep := -1
	noise := make([]float64, n*l)
	for s := range n {
		k := 0
		for j, v := range mask[s*l : (s+1)*l] {
			if v != 0 && v != 1 {
				return Masking{}, fmt.Errorf("mae: mask value %v at sample %d patch %d: want 0 (visible) or 1 (removed)", v, s, j)
			}
			if v == 0 {
				k++
			}
			// Ranks: visible patches (0…l−1) before removed ones (l…2l−1).
			noise[s*l+j] = v*float64(l) + float64(j)
		}
		if keep >= 0 && k != keep {
			return Masking{}, fmt.Errorf("mae: sample %d keeps %d patches, sample 0 keeps %d: one batch keeps one count", s, k, keep)
		}
		keep = k
	}
	if keep < 1 {
		return Masking{}, fmt.Errorf("mae: the mask hides all %d patches; keep at least one visible", l)
	}
	return MaskingFromNoise(noise, n, l, keep), nil
}

// WithKeep returns c with the mask ratio for which KeepCount is keep
// patches (0 < keep ≤ L): a model built with it encodes exactly keep
// visible patches.
func (c Config) WithKeep(keep int) Config {
	l := c.NumPatches()
	if keep < 1 || keep > l {
		panic(fmt.Sprintf("mae: WithKeep(%d) with %d patches", keep, l))
	}
	c.MaskRatio = 1 - (float64(keep)+0.5)/float64(l)
	return c
}

// ReconstructMasked runs the weights p forward on o's device over n images
// [N, C, H, W] (normalized), every image masked with mask [L] (1 removed),
// as MaskingFromMask orders it: the reconstruction of a hand-painted mask.
func ReconstructMasked(o *ops.Ops, p *Params, images []float32, n int, mask []float64) ([]ImageRecon, error) {
	return ReconstructMaskedAt(o, p, ops.FP32, images, n, mask)
}

// ReconstructMaskedAt is ReconstructMasked computing in precision prec.
func ReconstructMaskedAt(o *ops.Ops, p *Params, prec ops.Precision, images []float32, n int, mask []float64) ([]ImageRecon, error) {
	c := p.Config
	l, pd, plane := c.NumPatches(), c.PatchDim(), c.Channels*c.ImageSize*c.ImageSize
	if n < 1 || len(images) != n*plane {
		return nil, fmt.Errorf("mae: %d values for %d images of %d", len(images), n, plane)
	}
	all := make([]float64, 0, n*l)
	for range n {
		all = append(all, mask...)
	}
	mk, err := MaskingFromMask(all, n, l)
	if err != nil {
		return nil, err
	}
	m, in, err := newReconModel(o, c.WithKeep(mk.Keep), p, n, prec)
	if err != nil {
		return nil, err
	}
	defer m.Release()
	defer in.Release()
	pred, _, err := m.Reconstruct(in, images, mk)
	if err != nil {
		return nil, err
	}
	losses := MaskedLosses(c, n, images, pred, mk.Mask)
	out := make([]ImageRecon, n)
	for i := range out {
		out[i] = ImageRecon{Pred: pred[i*l*pd : (i+1)*l*pd], Mask: mk.Mask[i*l : (i+1)*l], Loss: losses[i]}
	}
	return out, nil
}
