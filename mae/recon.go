package mae

import (
	"fmt"
	"math"

	"github.com/mae-vk/mae-vk/ops"
)

// reconMaskSeed fixes the masking of the reconstruction pictures, so that
// successive epochs show the same patches hidden.
const reconMaskSeed = 0x7265636f6e // "recon"

// Reconstruct runs the forward pass on images [N, C, H, W] (normalized,
// N the model's batch size) with the masking mk, and returns the
// predictions [N, L, P] and the loss. in must be a set of inputs of m that
// no pending recording uses.
func (m *Model) Reconstruct(in *Inputs, images []float32, mk Masking) (pred []float32, loss float32, err error) {
	if err := m.SetBatch(in, images, mk); err != nil {
		return nil, 0, err
	}
	r, err := m.d.NewRecording()
	if err != nil {
		return nil, 0, err
	}
	defer r.Release()
	if err := m.RecordForward(r, in); err != nil {
		return nil, 0, err
	}
	if err := r.Run(); err != nil {
		return nil, 0, err
	}
	if pred, err = m.Pred(); err != nil {
		return nil, 0, err
	}
	loss, _, err = ReadLoss(in)
	return pred, loss, err
}

// MaskedLosses returns the loss of each of the n images of a forward pass,
// computed on the host in float64 from the images [N, C, H, W] (normalized,
// as the model saw them), the predictions [N, L, P] and the mask [N, L] as
// the device computes the batch's:
//
//	loss[i] = Σ_l mask[i,l]·mean_e (pred[i,l,e] − t'[i,l,e])² / Σ_l mask[i,l]
//
// with t' the patchified image, normalized per patch when cfg.NormPixLoss.
// With the same number of masked patches in every image, their mean is the
// batch loss. It panics if the lengths do not match cfg and n.
func MaskedLosses(cfg Config, n int, images, pred []float32, mask []float64) []float64 {
	c, hw, l, pd := cfg.Channels, cfg.ImageSize, cfg.NumPatches(), cfg.PatchDim()
	if n < 0 || len(images) != n*c*hw*hw || len(pred) != n*l*pd || len(mask) != n*l {
		panic(fmt.Sprintf("mae: MaskedLosses: %d image values, %d predictions, %d mask values for N=%d C=%d H=W=%d L=%d P=%d",
			len(images), len(pred), len(mask), n, c, hw, l, pd))
	}
	out := make([]float64, n)
	plane := c * hw * hw
	for i := range n {
		img := make([]float64, plane)
		for j, v := range images[i*plane : (i+1)*plane] {
			img[j] = float64(v)
		}
		target := ops.PatchifyRef(img, 1, c, hw, hw, cfg.PatchSize)
		pr := make([]float64, l*pd)
		for j, v := range pred[i*l*pd : (i+1)*l*pd] {
			pr[j] = float64(v)
		}
		out[i], _ = ops.MaskedMSELossRef(pr, target, mask[i*l:(i+1)*l], 1, l, pd, cfg.NormPixLoss)
	}
	return out
}

// ReconBatch is the most images ReconstructImages runs in one forward pass.
const ReconBatch = 32

// ImageRecon is the reconstruction of one image by ReconstructImages.
type ImageRecon struct {
	Pred []float32 // [L, p·p·C] predictions, as Model.Pred
	Mask []float64 // [L] 1 removed, 0 visible
	Loss float64   // the image's masked-patch loss (MaskedLosses)
}

// ReconstructImages runs the weights p forward on the device of o (with
// o's GEMM configuration) over n images
// [N, C, H, W] (normalized, p's size and channels) in batches of up to
// ReconBatch, the last one padded with zero images. Image i is masked as
// row i of EvalMasking(p.Config, n, seed, 0), so that it does not depend
// on the batching, and the first images match the first batch of an
// Evaluate with the same seed and data. It panics if len(images) is not
// n·C·H·W. A non-finite loss of an image is an error, as in Evaluate.
func ReconstructImages(o *ops.Ops, p *Params, images []float32, n int, seed uint64) ([]ImageRecon, error) {
	return ReconstructImagesAt(o, p, ops.FP32, images, n, seed)
}

// ReconstructImagesAt is ReconstructImages computing in precision prec.
func ReconstructImagesAt(o *ops.Ops, p *Params, prec ops.Precision, images []float32, n int, seed uint64) ([]ImageRecon, error) {
	c := p.Config
	plane := c.Channels * c.ImageSize * c.ImageSize
	if n < 1 || len(images) != n*plane {
		panic(fmt.Sprintf("mae: ReconstructImages: %d values for %d images of %d", len(images), n, plane))
	}
	batch := min(n, ReconBatch)
	steps := (n + batch - 1) / batch
	mk := EvalMasking(c, steps*batch, seed, 0)
	m, in, err := newReconModel(o, c, p, batch, prec)
	if err != nil {
		return nil, err
	}
	defer m.Release()
	defer in.Release()
	l, pd := c.NumPatches(), c.PatchDim()
	out := make([]ImageRecon, 0, n)
	x := make([]float32, batch*plane)
	for k := range steps {
		lo, hi := k*batch, min((k+1)*batch, n)
		clear(x)
		copy(x, images[lo*plane:hi*plane])
		bm := mk.rows(k*batch, (k+1)*batch)
		pred, _, err := m.Reconstruct(in, x, bm)
		if err != nil {
			return nil, err
		}
		cnt := hi - lo
		losses := MaskedLosses(c, cnt, x[:cnt*plane], pred[:cnt*l*pd], bm.Mask[:cnt*l])
		for i := range cnt {
			if l := losses[i]; math.IsNaN(l) || math.IsInf(l, 0) {
				return nil, fmt.Errorf("mae: image %d: loss is %v (the weights hold NaN or Inf values, or the model diverged)", lo+i, l)
			}
			out = append(out, ImageRecon{
				Pred: pred[i*l*pd : (i+1)*l*pd],
				Mask: bm.Mask[i*l : (i+1)*l],
				Loss: losses[i],
			})
		}
	}
	return out, nil
}

// rows returns the masking of samples [lo, hi) (sharing m's memory).
func (m Masking) rows(lo, hi int) Masking {
	l, k := m.L, m.Keep
	return Masking{
		N: hi - lo, L: l, Keep: k,
		IDsShuffle: m.IDsShuffle[lo*l : hi*l],
		IDsKeep:    m.IDsKeep[lo*k : hi*k],
		IDsRestore: m.IDsRestore[lo*l : hi*l],
		Mask:       m.Mask[lo*l : hi*l],
	}
}

// withParams is a model of shape cfg for batch n in precision prec,
// holding p; released again if anything fails.
func withParams(o *ops.Ops, cfg Config, p *Params, n int, prec ops.Precision) (*Model, error) {
	m, err := NewModelPrecision(o, cfg, n, prec)
	if err != nil {
		return nil, err
	}
	if err := m.SetParams(p); err != nil {
		m.Release()
		return nil, err
	}
	return m, nil
}

// newReconModel is withParams plus the model's inputs, for the
// reconstruction paths that run one forward pass at a time.
func newReconModel(o *ops.Ops, cfg Config, p *Params, n int, prec ops.Precision) (*Model, *Inputs, error) {
	m, err := withParams(o, cfg, p, n, prec)
	if err != nil {
		return nil, nil, err
	}
	in, err := m.NewInputs()
	if err != nil {
		m.Release()
		return nil, nil, err
	}
	return m, in, nil
}
