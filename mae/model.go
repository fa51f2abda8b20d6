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
	ParamBuffers

	o     *ops.Ops
	d     *vk.Device
	owned []*vk.Buffer

	adamStep    *vk.Buffer // AdamW's count of applied updates (one uint32, adamstep.go)
	decay       *vk.Buffer // weight-decay ranges (ops.PackDecayRanges)
	decayRanges int

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
	if m.ParamBuffers, err = AllocParamBuffers(m.d, m.Cfg, lay, "mae", "the model", m.alloc); err != nil {
		return err
	}
	if m.adamStep, err = m.alloc("adam step", 1); err != nil {
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
	if err := m.SetAdamStep(0); err != nil {
		return err
	}
	if err := m.allocParams16(); err != nil {
		return err
	}
	return m.allocActivations()
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
func (m *Model) param(name string) vk.Span { return m.ParamSpan(name) }

// grad is the span of a parameter's gradient.
func (m *Model) grad(name string) vk.Span { return m.GradSpan(name) }
