package mae

import (
	"fmt"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// Inputs are the host-visible buffers of one step: what the host writes
// before submitting it (the batch, the masking, the optimizer's per-step
// values) and what it reads after (loss, gradient norm). The trainer keeps
// two sets so that it can fill one while the device runs the other.
type Inputs struct {
	Images     *vk.Buffer // [N, C, H, W] normalized
	IDsKeep    *vk.Buffer // [N, Lk] int32
	IDsRestore *vk.Buffer // [N, L] int32
	Mask       *vk.Buffer // [N, L] float, 1 = removed
	Hyper      *vk.Buffer // ops.AdamWHyperFloats
	Loss       *vk.Buffer // [1]
	Norm       *vk.Buffer // [1] gradient norm before clipping
	LossScale  *vk.Buffer // {S, 1/S} of fp16 loss scaling (lossscale.go); nil otherwise
}

// NewInputs allocates one set of step inputs for the model's batch size.
// The caller owns them: release them with Inputs.Release.
func (m *Model) NewInputs() (*Inputs, error) {
	c, s := m.Cfg, m.seq
	in := &Inputs{}
	var err error
	mk := func(dst **vk.Buffer, name string, n int) {
		if err == nil {
			*dst, err = m.d.NewHostBuffer(name, 4*max(n, 1))
		}
	}
	mk(&in.Images, "images", s.n*c.Channels*c.ImageSize*c.ImageSize)
	mk(&in.IDsKeep, "ids_keep", s.n*s.lk)
	mk(&in.IDsRestore, "ids_restore", s.n*s.l)
	mk(&in.Mask, "mask", s.n*s.l)
	mk(&in.Hyper, "adamw hyper", ops.AdamWHyperFloats)
	mk(&in.Loss, "loss", 1)
	mk(&in.Norm, "grad norm", 1)
	if err == nil {
		err = m.newLossScaleInput(in)
	}
	if err != nil {
		in.Release()
		return nil, fmt.Errorf("mae: step inputs: %w", err)
	}
	return in, nil
}

// Release frees the buffers of in; a second call does nothing. The device
// must be done with them.
func (in *Inputs) Release() {
	for _, b := range []**vk.Buffer{&in.Images, &in.IDsKeep, &in.IDsRestore, &in.Mask, &in.Hyper, &in.Loss, &in.Norm, &in.LossScale} {
		if *b != nil {
			(*b).Release()
			*b = nil
		}
	}
}

// SetBatch writes a batch of normalized images [N, C, H, W] and its masking.
func (m *Model) SetBatch(in *Inputs, images []float32, mk Masking) error {
	c, s := m.Cfg, m.seq
	if len(images) != s.n*c.Channels*c.ImageSize*c.ImageSize {
		return fmt.Errorf("mae: batch of %d floats, the model takes %d×%d×%d×%d", len(images), s.n, c.Channels, c.ImageSize, c.ImageSize)
	}
	if mk.N != s.n || mk.L != s.l || mk.Keep != s.lk {
		return fmt.Errorf("mae: masking of %d×%d keeping %d, the model needs %d×%d keeping %d", mk.N, mk.L, mk.Keep, s.n, s.l, s.lk)
	}
	// The inputs are host buffers: write them in place, no allocation.
	img, keep, restore, mask := in.Images.MappedFloat32(), in.IDsKeep.MappedUint32(), in.IDsRestore.MappedUint32(), in.Mask.MappedFloat32()
	if img == nil || keep == nil || restore == nil || mask == nil {
		return fmt.Errorf("mae: step inputs are not host-visible")
	}
	copy(img, images)
	for i, v := range mk.IDsKeep {
		keep[i] = uint32(v)
	}
	for i, v := range mk.IDsRestore {
		restore[i] = uint32(v)
	}
	for i, v := range mk.Mask {
		mask[i] = float32(v)
	}
	return nil
}

// ReadLoss reads the loss of the last completed step that used in.
func ReadLoss(in *Inputs) (loss, gradNorm float32, err error) {
	l, n := in.Loss.MappedFloat32(), in.Norm.MappedFloat32()
	if l == nil || n == nil {
		return 0, 0, fmt.Errorf("mae: step outputs are not host-visible")
	}
	return l[0], n[0], nil
}
