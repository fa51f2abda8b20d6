package mae

import (
	"fmt"

	"github.com/mae-vk/mae-vk/vk"
)

// ParamBuffers are the four flat device buffers of a model trained with
// AdamW under one Layout: the parameters and their gradients (Layout.Len
// floats each; the gradients' padding stays zero) and AdamW's first and
// second moments (Layout.TrainableLen floats each). Model and the
// fine-tuning classifier (finetune.Model) embed them; their methods move
// the values between host and device.
type ParamBuffers struct {
	params, grads *vk.Buffer
	m, v          *vk.Buffer
	cfg           Config
	layout        *Layout
	pkg, owner    string // for errors: "mae", "the model"
}

// AllocParamBuffers makes the four buffers of layout with alloc, which
// must return a buffer of n float32s that the caller owns (and releases
// with the rest of its model), and fills them with zeros on d. cfg is the
// configuration Params reports; pkg and owner name the model in errors
// ("finetune", "the classifier").
func AllocParamBuffers(d *vk.Device, cfg Config, layout *Layout, pkg, owner string, alloc func(name string, n int) (*vk.Buffer, error)) (ParamBuffers, error) {
	b := ParamBuffers{cfg: cfg, layout: layout, pkg: pkg, owner: owner}
	for _, a := range []struct {
		dst  **vk.Buffer
		name string
		n    int
	}{{&b.params, "params", layout.Len}, {&b.grads, "grads", layout.Len}, {&b.m, "adam m", layout.TrainableLen}, {&b.v, "adam v", layout.TrainableLen}} {
		var err error
		if *a.dst, err = alloc(a.name, a.n); err != nil {
			return ParamBuffers{}, err
		}
	}
	r, err := d.NewRecording()
	if err != nil {
		return ParamBuffers{}, fmt.Errorf("%s: zeroing the parameters: %w", pkg, err)
	}
	defer r.Release()
	for _, buf := range []*vk.Buffer{b.params, b.grads, b.m, b.v} {
		r.Fill(buf.Span(0, (buf.Size()+3)&^3), 0)
	}
	if err := r.Run(); err != nil {
		return ParamBuffers{}, fmt.Errorf("%s: zeroing the parameters: %w", pkg, err)
	}
	return b, nil
}

// Buffers returns the parameter, gradient and moment buffers, for
// recording the update.
func (b *ParamBuffers) Buffers() (params, grads, m, v *vk.Buffer) {
	return b.params, b.grads, b.m, b.v
}

// ParamSpan is the span of the parameter tensor name; it panics if the
// layout has no such tensor.
func (b *ParamBuffers) ParamSpan(name string) vk.Span { return b.tensorSpan(b.params, name) }

// GradSpan is the span of the gradient of tensor name; it panics if the
// layout has no such tensor.
func (b *ParamBuffers) GradSpan(name string) vk.Span { return b.tensorSpan(b.grads, name) }

func (b *ParamBuffers) tensorSpan(buf *vk.Buffer, name string) vk.Span {
	t := b.layout.mustLookup("ParamBuffers", name)
	return buf.Span(4*t.Offset, 4*t.Len())
}

// SetParams uploads p, which must have the buffers' layout.
func (b *ParamBuffers) SetParams(p *Params) error {
	if len(p.Data) != b.layout.Len {
		return fmt.Errorf("%s: parameters hold %d floats, %s %d", b.pkg, len(p.Data), b.owner, b.layout.Len)
	}
	return b.params.WriteFloat32(0, p.Data)
}

// Params downloads the parameters.
func (b *ParamBuffers) Params() (*Params, error) {
	p := &Params{Config: b.cfg, Layout: b.layout, Data: make([]float32, b.layout.Len)}
	return p, b.params.ReadFloat32(0, p.Data)
}

// Grads downloads the gradient of the last backward pass, laid out like
// the parameters (zero for fixed tensors and padding).
func (b *ParamBuffers) Grads() ([]float32, error) {
	g := make([]float32, b.layout.Len)
	return g, b.grads.ReadFloat32(0, g)
}

// Moments downloads AdamW's first and second moments.
func (b *ParamBuffers) Moments() (first, second []float32, err error) {
	n := b.layout.TrainableLen
	first, second = make([]float32, n), make([]float32, n)
	if err = b.m.ReadFloat32(0, first); err == nil {
		err = b.v.ReadFloat32(0, second)
	}
	return first, second, err
}

// SetMoments uploads AdamW's moments (when resuming).
func (b *ParamBuffers) SetMoments(first, second []float32) error {
	n := b.layout.TrainableLen
	if len(first) != n || len(second) != n {
		return fmt.Errorf("%s: moments of %d and %d floats, %s has %d trainable", b.pkg, len(first), len(second), b.owner, n)
	}
	if err := b.m.WriteFloat32(0, first); err != nil {
		return err
	}
	return b.v.WriteFloat32(0, second)
}
