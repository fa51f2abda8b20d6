package mae

import (
	"fmt"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// Mixed precision. With a 16-bit compute precision (ops.FP16 or ops.BF16)
// the model keeps its fp32 master weights, gradients and AdamW state, and
// adds:
//
//   - params16, a 16-bit copy of every parameter, cast once per step
//     before the forward pass; every GEMM reads its weight from it;
//   - 16-bit activations for the GEMM inputs the backward pass keeps: the
//     LayerNorm outputs (h1, h2, latent), the attention's qkv (written by
//     its GEMM, read by the attention kernels) and output (written by the
//     attention forward, read by the proj GEMM and the attention
//     backward), the MLP's fc1 output (written by its GEMM, read by GELU
//     forward and backward) and the GELU outputs; GEMMs and the attention
//     read them as 16-bit and accumulate in fp32;
//   - fp32 for the rest: the residual stream (as under PyTorch's
//     autocast), LayerNorm statistics, the attention's scores, softmax and
//     logsumexp, the loss, the gradients (dqkv, d attention output
//     included), the norm.
//
// halfBufs records which buffers are 16-bit, so that the ops calls find
// the storage of their operands without their call sites changing.

// NewModelPrecision is NewModel computing in precision prec. A 16-bit
// precision needs 16-bit storage on the device (ops.Precision.Supported).
func NewModelPrecision(o *ops.Ops, cfg Config, n int, prec ops.Precision) (*Model, error) {
	if !prec.Supported(o.Device().Info) {
		return nil, &ConfigError{Field: "Precision", Value: prec, Reason: o.Device().Info.Name + " has no 16-bit storage; use fp32"}
	}
	return newModelKeep(o, cfg, n, cfg.KeepCount(), prec)
}

// Precision is the model's compute precision.
func (m *Model) Precision() ops.Precision { return m.prec }

// allocAct makes an activation buffer of n elements in the compute
// precision (fp32 when that is fp32).
func (m *Model) allocAct(name string, n int) (*vk.Buffer, error) {
	if !m.prec.Half() {
		return m.alloc(name, n)
	}
	b, err := m.d.NewBuffer(name+" ("+m.prec.String()+")", 4*max((n+1)/2, 1))
	if err != nil {
		return nil, fmt.Errorf("mae: %w", err)
	}
	m.owned = append(m.owned, b)
	if m.halfBufs == nil {
		m.halfBufs = map[*vk.Buffer]bool{}
	}
	m.halfBufs[b] = true
	return b, nil
}

// typeOf is the storage precision of a binding of the model.
func (m *Model) typeOf(b vk.Binding) ops.Precision {
	var buf *vk.Buffer
	switch v := b.(type) {
	case *vk.Buffer:
		buf = v
	case vk.Span:
		buf = v.Buf
	}
	if buf != nil && m.halfBufs[buf] {
		return m.prec
	}
	return ops.FP32
}

// allocParams16 makes the 16-bit weight copy (16-bit precisions only).
func (m *Model) allocParams16() error {
	if !m.prec.Half() {
		return nil
	}
	// Tensors start at multiples of ParamAlign elements: 2·ParamAlign
	// bytes in the 16-bit copy, which every binding offset must respect.
	if a := m.d.Info.StorageAlign; a > 2*ParamAlign {
		return configErrorf("Precision", m.prec, "%s aligns storage buffers to %d bytes, the 16-bit weights to %d; use fp32",
			m.d.Info.Name, a, 2*ParamAlign)
	}
	var err error
	m.params16, err = m.allocAct("params", m.Layout.Len)
	return err
}

// weight is the span a GEMM reads parameter name from, and its precision:
// the 16-bit copy when there is one.
func (m *Model) weight(name string) (vk.Span, ops.Precision) {
	if m.params16 == nil {
		return m.param(name), ops.FP32
	}
	t := m.Layout.mustLookup("Model", name)
	return m.params16.Span(2*t.Offset, 2*t.Len()), m.prec
}

// recordCast records the once-per-step cast of the master weights into
// params16 (nothing in fp32).
func (m *Model) recordCast(r *vk.Recording) error {
	if m.params16 == nil {
		return nil
	}
	if err := m.o.Cast(r, m.prec, true, m.params, m.params16, m.Layout.Len); err != nil {
		return fmt.Errorf("mae: cast weights to %v: %w", m.prec, err)
	}
	return nil
}

// recordStepForward is RecordForward inside a training step of several
// micro-batches: the weights are cast once, before the first (cast).
func (m *Model) recordStepForward(r *vk.Recording, in *Inputs, cast bool) error {
	if cast {
		if err := m.recordCast(r); err != nil {
			return err
		}
	}
	if err := m.recordForward(r, in); err != nil {
		return fmt.Errorf("mae forward: %w", err)
	}
	return m.recordScaleLoss(r, in)
}

// DefaultPrecision is the precision a device runs when none is asked for:
// the fastest that trains as well as fp32. bf16 matches fp32's loss
// (TestTrainPrecisions) without loss scaling and halves the GEMM operands'
// bytes, so it is the default where 16-bit storage exists, except where
// the device has tensor cores mae-vk drives for fp16 (ops.CoopMatListed):
// there fp16, with its loss scaling, runs the GEMMs and the attention on
// them (the cooperative-matrix family) and also trains as fp32 does. A
// device that also lists bf16 shapes (VK_KHR_shader_bfloat16) keeps fp16:
// the fp16 KHR modules are one SPIR-V rewrite from glslc's output, the
// bf16 ones two, and none has run on a GPU yet. On CPU drivers the fp32
// GEMM reads texel buffers, which made fp32 the faster there
// (docs/performance.md), and without 16-bit storage fp32 is all there is.
func DefaultPrecision(info vk.DeviceInfo) ops.Precision {
	switch {
	case info.Type == vk.TypeCPU || !ops.BF16.Supported(info):
		return ops.FP32
	case ops.CoopMatListed(info, ops.FP16):
		return ops.FP16
	}
	return ops.BF16
}

// ResolvePrecision turns a --precision value (empty: DefaultPrecision)
// into the precision to run on the device. A 16-bit precision on a device
// without 16-bit storage runs in fp32, with a one-line notice saying so.
func ResolvePrecision(flag string, info vk.DeviceInfo) (p ops.Precision, notice string, err error) {
	if flag == "" {
		return DefaultPrecision(info), "", nil
	}
	if p, err = ops.ParsePrecision(flag); err != nil {
		return ops.FP32, "", &ConfigError{Field: "Precision", Value: flag, Reason: "want fp32, fp16 or bf16"}
	}
	if !p.Supported(info) {
		return ops.FP32, fmt.Sprintf("--precision %v: %s has no 16-bit storage; running in fp32", p, info.Name), nil
	}
	return p, "", nil
}

// precision resolves the run's precision, records it in the config and
// passes on the notice, if any, as a warning.
func (t *trainer) precision() (ops.Precision, error) {
	p, notice, err := ResolvePrecision(t.cfg.Precision, t.o.Device().Info)
	if err != nil {
		return p, err
	}
	if notice != "" {
		t.warn(notice)
	}
	t.cfg.Precision = p.String()
	return p, nil
}

// DeviceBytes is the size of every device buffer the model holds
// (parameters, gradients, AdamW state, activations, the 16-bit weights).
func (m *Model) DeviceBytes() int {
	n := 0
	for _, b := range m.owned {
		n += b.Size()
	}
	return n
}
