package mae

import (
	"fmt"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// Model is an MAE of one configuration and batch size on a Vulkan device:
// the flat parameter and gradient buffers, AdamW's moments, and every
// activation the forward pass saves for the backward pass. Its Record
// methods add the forward pass, the backward pass and the update to a
// recording, which the trainer records once and replays every step.
type Model struct {
	Cfg    Config
	Layout *Layout
	Batch  int

	o     *ops.Ops
	d     *vk.Device
	owned []*vk.Buffer

	params, grads *vk.Buffer // Layout.Len floats each; grads' padding stays zero
	m, v          *vk.Buffer // AdamW moments over the trainable prefix
	decay         *vk.Buffer // weight-decay ranges (ops.PackDecayRanges)
	decayRanges   int

	seq  seqDims // encoder and decoder sequence shapes
	acts activations

	// Mixed precision (precision.go): the compute precision, the 16-bit
	// weight copy (nil in fp32) and the set of 16-bit buffers.
	prec     ops.Precision
	params16 *vk.Buffer
	halfBufs map[*vk.Buffer]bool
}

// seqDims are the sequence shapes of one batch.
type seqDims struct {
	n, l, lk, p, cpp int
	encT, decT       int // rows through the encoder (n·(1+lk)) and decoder (n·(1+l))
}

// NewModel allocates a model for batches of n images on the device of o,
// with every parameter zero; load weights with SetParams.
func NewModel(o *ops.Ops, cfg Config, n int) (*Model, error) {
	return newModelKeep(o, cfg, n, cfg.KeepCount(), ops.FP32)
}

// newModelKeep is NewModel with lk patches of each image through the
// encoder.
func newModelKeep(o *ops.Ops, cfg Config, n, lk int, prec ops.Precision) (*Model, error) {
	layout, err := NewLayout(cfg)
	if err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("mae: batch size %d, need at least 1", n)
	}
	plan, err := PlanMemory(cfg, RunShape{Batch: n, ImagesOnDevice: !o.Device().DeviceMemoryHostVisible()})
	if err == nil && !o.Device().DryRun() {
		err = plan.Fits(o.Device().Info)
	}
	if err != nil {
		return nil, err
	}
	m := &Model{Cfg: cfg, Layout: layout, Batch: n, o: o, d: o.Device(), prec: prec}
	l := cfg.NumPatches()
	m.seq = seqDims{n: n, l: l, lk: lk, p: cfg.PatchDim(), cpp: cfg.PatchDim(), encT: n * (1 + lk), decT: n * (1 + l)}
	if err := m.allocate(); err != nil {
		m.Release()
		return nil, err
	}
	return m, nil
}

// alloc makes a device buffer of n float32s that the model owns.
func (m *Model) alloc(name string, n int) (*vk.Buffer, error) {
	b, err := m.d.NewBuffer(name, 4*max(n, 1))
	if err != nil {
		return nil, fmt.Errorf("mae: %w", err)
	}
	m.owned = append(m.owned, b)
	return b, nil
}

func (m *Model) allocate() error {
	var err error
	lay := m.Layout
	if m.params, err = m.alloc("params", lay.Len); err != nil {
		return err
	}
	if m.grads, err = m.alloc("grads", lay.Len); err != nil {
		return err
	}
	if m.m, err = m.alloc("adam m", lay.TrainableLen); err != nil {
		return err
	}
	if m.v, err = m.alloc("adam v", lay.TrainableLen); err != nil {
		return err
	}
	ranges := decayRanges(lay)
	packed, err := ops.PackDecayRanges(ranges, lay.TrainableLen)
	if err != nil {
		return fmt.Errorf("mae: weight-decay ranges: %w", err)
	}
	m.decayRanges = len(ranges)
	if m.decay, err = m.d.NewBuffer("decay ranges", 4*max(len(packed), 1)); err != nil {
		return fmt.Errorf("mae: %w", err)
	}
	m.owned = append(m.owned, m.decay)
	if len(packed) > 0 {
		if err := m.decay.WriteUint32(0, packed); err != nil {
			return err
		}
	}
	if err := m.zero(m.params, m.grads, m.m, m.v); err != nil {
		return err
	}
	if err := m.allocParams16(); err != nil {
		return err
	}
	return m.allocActivations()
}

// zero fills buffers with zeros on the device.
func (m *Model) zero(bufs ...*vk.Buffer) error {
	r, err := m.d.NewRecording()
	if err != nil {
		return err
	}
	defer r.Release()
	for _, b := range bufs {
		r.Fill(b.Span(0, (b.Size()+3)&^3), 0)
	}
	return r.Run()
}

// Release frees every buffer of the model. The device must be done with
// them.
func (m *Model) Release() {
	for _, b := range m.owned {
		b.Release()
	}
	m.owned = nil
}

// Ops returns the ops the model records with.
func (m *Model) Ops() *ops.Ops { return m.o }

// param is the span of a parameter tensor.
func (m *Model) param(name string) vk.Span { return m.tensorSpan(m.params, name) }

// grad is the span of a parameter's gradient.
func (m *Model) grad(name string) vk.Span { return m.tensorSpan(m.grads, name) }

func (m *Model) tensorSpan(b *vk.Buffer, name string) vk.Span {
	t := m.Layout.mustLookup("Model", name)
	return b.Span(4*t.Offset, 4*t.Len())
}

// SetParams uploads p (which must have the model's configuration).
func (m *Model) SetParams(p *Params) error {
	if len(p.Data) != m.Layout.Len {
		return fmt.Errorf("mae: parameters hold %d floats, the model %d", len(p.Data), m.Layout.Len)
	}
	return m.params.WriteFloat32(0, p.Data)
}

// Params downloads the parameters.
func (m *Model) Params() (*Params, error) {
	p := &Params{Config: m.Cfg, Layout: m.Layout, Data: make([]float32, m.Layout.Len)}
	return p, m.params.ReadFloat32(0, p.Data)
}

// Grads downloads the gradient of the last backward pass, laid out like
// the parameters (zero for fixed tensors and padding).
func (m *Model) Grads() ([]float32, error) {
	g := make([]float32, m.Layout.Len)
	return g, m.grads.ReadFloat32(0, g)
}

// Moments downloads AdamW's first and second moments.
func (m *Model) Moments() (first, second []float32, err error) {
	first, second = make([]float32, m.Layout.TrainableLen), make([]float32, m.Layout.TrainableLen)
	if err = m.m.ReadFloat32(0, first); err == nil {
		err = m.v.ReadFloat32(0, second)
	}
	return first, second, err
}

// SetMoments uploads AdamW's moments (when resuming).
func (m *Model) SetMoments(first, second []float32) error {
	if len(first) != m.Layout.TrainableLen || len(second) != m.Layout.TrainableLen {
		return fmt.Errorf("mae: moments of %d and %d floats, the model has %d trainable", len(first), len(second), m.Layout.TrainableLen)
	}
	if err := m.m.WriteFloat32(0, first); err != nil {
		return err
	}
	return m.v.WriteFloat32(0, second)
}
