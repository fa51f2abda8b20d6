package viewer

import (
	"fmt"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
)

// maxModels bounds the models kept, one per visible-patch count.
const maxModels = 6

// keptModel is a batch-1 model for one visible-patch count with its inputs.
type keptModel struct {
	m    *mae.Model
	in   *mae.Inputs
	used int // tick of its last use
}

// release frees the model and its inputs.
func (km *keptModel) release() {
	km.in.Release()
	km.m.Release()
}

// reconstructor runs one image at a time through the weights on the
// device. The encoder's input length is the number of visible patches, so
// a painted mask needs a model for its count; models are kept per count
// (the least recently used dropped beyond maxModels) and share the weights.
type reconstructor struct {
	o      *ops.Ops
	p      *mae.Params
	models map[int]*keptModel
	tick   int
	last   *keptModel // the model of the last Run, for attention
}

func newReconstructor(o *ops.Ops, p *mae.Params) *reconstructor {
	return &reconstructor{o: o, p: p, models: map[int]*keptModel{}}
}

// setParams replaces the weights (same shape) in every kept model.
func (r *reconstructor) setParams(p *mae.Params) error {
	if err := sameShape(r.p.Config, p.Config); err != nil {
		return err
	}
	r.p = p
	for _, km := range r.models {
		if err := km.m.SetParams(p); err != nil {
			return err
		}
	}
	return nil
}

// sameShape explains why weights of config b cannot replace those of a.
func sameShape(a, b mae.Config) error {
	a.MaskRatio, b.MaskRatio = 0, 0
	if a != b {
		return fmt.Errorf("the checkpoint is of another model shape: %s, the viewer shows %s", shapeString(b), shapeString(a))
	}
	return nil
}

func shapeString(c mae.Config) string {
	return fmt.Sprintf("%d px, %d ch, patch %d, encoder %d×%d/%dh, decoder %d×%d/%dh",
		c.ImageSize, c.Channels, c.PatchSize, c.EncDim, c.EncDepth, c.EncHeads, c.DecDim, c.DecDepth, c.DecHeads)
}

// run reconstructs one normalized image [C, H, W] masked with mask [L]
// (1 removed): the predictions [L, P] and the masked-patch loss.
func (r *reconstructor) run(image []float32, mask []float64) ([]float32, float32, error) {
	mk, err := mae.MaskingFromMask(mask, 1, len(mask))
	if err != nil {
		return nil, 0, err
	}
	km, err := r.model(mk.Keep)
	if err != nil {
		return nil, 0, err
	}
	pred, loss, err := km.m.Reconstruct(km.in, image, mk)
	if err != nil {
		return nil, 0, err
	}
	r.last = km
	return pred, loss, nil
}

// model returns the kept model for keep visible patches, making it if needed.
func (r *reconstructor) model(keep int) (*keptModel, error) {
	r.tick++
	if km, ok := r.models[keep]; ok {
		km.used = r.tick
		return km, nil
	}
	if len(r.models) >= maxModels {
		oldest := -1
		for k, km := range r.models {
			if oldest < 0 || km.used < r.models[oldest].used {
				oldest = k
			}
		}
		r.models[oldest].release()
		delete(r.models, oldest)
	}
	m, err := mae.NewModel(r.o, r.p.Config.WithKeep(keep), 1)
	if err != nil {
		return nil, err
	}
	if err := m.SetParams(r.p); err != nil {
		m.Release()
		return nil, err
	}
	in, err := m.NewInputs()
	if err != nil {
		m.Release()
		return nil, err
	}
	km := &keptModel{m: m, in: in, used: r.tick}
	r.models[keep] = km
	return km, nil
}

// attention returns, for the last run, where the last decoder block's
// query of patch (0-based) looked: the head-averaged probabilities over
// the patches [L] (the cls token's share left out).
func (r *reconstructor) attention(patch int) ([]float64, error) {
	if r.last == nil {
		return nil, fmt.Errorf("viewer: no reconstruction yet")
	}
	cfg := r.p.Config
	probs, err := r.last.m.DecoderAttentionProbs(0, cfg.DecDepth-1, 1+patch)
	if err != nil {
		return nil, err
	}
	out := make([]float64, cfg.NumPatches())
	for _, ph := range probs {
		for j := range out {
			out[j] += ph[1+j] / float64(len(probs))
		}
	}
	return out, nil
}

// release frees every kept model.
func (r *reconstructor) release() {
	for k, km := range r.models {
		km.release()
		delete(r.models, k)
	}
	r.last = nil
}
