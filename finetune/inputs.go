package finetune

import (
	"fmt"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// HyperStride is the distance in floats between two groups' AdamW hyper
// values in Inputs.Hyper (256 bytes, so that every group's span is
// aligned).
const HyperStride = mae.ParamAlign

// Inputs are the host-visible buffers of one step: the batch, its soft
// targets, the drop-path scales and the per-group optimizer values in;
// the loss, gradient norm and logits out. The drop-path scales belong to
// the model (SetScales).
type Inputs struct {
	Images  *vk.Buffer // [N, C, H, W] normalized
	Targets *vk.Buffer // [N, Classes] soft targets
	Hyper   *vk.Buffer // per group: ops.AdamWHyperFloats at g·HyperStride
	Loss    *vk.Buffer // [1]
	Norm    *vk.Buffer // [1]
	Logits  *vk.Buffer // [N, Classes], copied out at the end of the forward pass
}

// NewInputs allocates one set of step inputs.
func (m *Model) NewInputs() (*Inputs, error) {
	c, n := m.Cfg, m.Batch
	in := &Inputs{}
	var err error
	mk := func(dst **vk.Buffer, name string, k int) {
		if err == nil {
			if *dst, err = m.d.NewHostBuffer(name, 4*max(k, 1)); err == nil {
				m.owned = append(m.owned, *dst)
			}
		}
	}
	mk(&in.Images, "images", n*c.Channels*c.ImageSize*c.ImageSize)
	mk(&in.Targets, "targets", n*m.Classes)
	mk(&in.Hyper, "adamw hyper", HyperStride*len(m.Groups))
	mk(&in.Loss, "loss", 1)
	mk(&in.Norm, "grad norm", 1)
	mk(&in.Logits, "logits out", n*m.Classes)
	if err != nil {
		return nil, fmt.Errorf("finetune: %w", err)
	}
	return in, nil
}

// SetBatch writes a batch of normalized images [N, C, H, W] and its soft
// targets [N, Classes].
func (m *Model) SetBatch(in *Inputs, images, targets []float32) error {
	c := m.Cfg
	if len(images) != m.Batch*c.Channels*c.ImageSize*c.ImageSize {
		return fmt.Errorf("finetune: batch of %d floats, the model takes %d×%d×%d×%d", len(images), m.Batch, c.Channels, c.ImageSize, c.ImageSize)
	}
	if len(targets) != m.Batch*m.Classes {
		return fmt.Errorf("finetune: %d target values, the model takes %d×%d", len(targets), m.Batch, m.Classes)
	}
	img, tg := in.Images.MappedFloat32(), in.Targets.MappedFloat32()
	if img == nil || tg == nil {
		return fmt.Errorf("finetune: step inputs are not host-visible")
	}
	copy(img, images)
	copy(tg, targets)
	return nil
}

// SetScales writes the drop-path scales of the next step: scales[2i] and
// scales[2i+1] are block i's attention and MLP branch scales [N]
// (ops.DropPathScales); nil writes 1 everywhere (evaluation). Without drop
// path it does nothing.
func (m *Model) SetScales(scales [][]float64) error {
	if m.scales == nil {
		return nil
	}
	s := m.scales.MappedFloat32()
	if s == nil {
		return fmt.Errorf("finetune: step inputs are not host-visible")
	}
	stride := mae.ScaleStride(m.Batch)
	for br := 0; br < 2*m.Cfg.EncDepth; br++ {
		for j := 0; j < m.Batch; j++ {
			v := float32(1)
			if scales != nil {
				v = float32(scales[br][j])
			}
			s[br*stride+j] = v
		}
	}
	return nil
}

// SetHyper writes the AdamW values of step t (1-based) for every group:
// the learning rate lr scaled by the group's LRScale.
func (m *Model) SetHyper(in *Inputs, lr, beta1, beta2 float64, t int, maxNorm float64) error {
	h := in.Hyper.MappedFloat32()
	if h == nil {
		return fmt.Errorf("finetune: step inputs are not host-visible")
	}
	for g, gr := range m.Groups {
		copy(h[g*HyperStride:], ops.AdamWHyperValues(lr*gr.LRScale, beta1, beta2, t, maxNorm))
	}
	return nil
}

// ReadOutputs reads the loss, gradient norm and logits of the last
// completed step that used in.
func ReadOutputs(in *Inputs) (loss, norm float32, logits []float32, err error) {
	l, n, z := in.Loss.MappedFloat32(), in.Norm.MappedFloat32(), in.Logits.MappedFloat32()
	if l == nil || n == nil || z == nil {
		return 0, 0, nil, fmt.Errorf("finetune: step outputs are not host-visible")
	}
	return l[0], n[0], z, nil
}
