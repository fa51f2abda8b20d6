package finetune

import (
	"fmt"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// Model is the fine-tuning classifier (models_vit.VisionTransformer with
// global_pool=True) of one encoder configuration, class count and batch
// size on a Vulkan device: the flat parameters, gradients and AdamW
// moments under the classifier layout, the shared encoder blocks
// (mae.Stack, with drop path when asked) and the head's buffers.
type Model struct {
	Cfg     mae.Config
	Classes int
	Layout  *mae.Layout
	Batch   int
	Groups  []Group
	mae.ParamBuffers

	o     *ops.Ops
	d     *vk.Device
	owned []*vk.Buffer
	stack *mae.Stack

	decay  []*vk.Buffer // per group: packed weight-decay ranges (nil: none)
	decayN []int

	ids                  *vk.Buffer // identity token order [N, L], for EncoderTokens
	pconv, embed, gEmbed *vk.Buffer
	head                 ops.HeadBuffers
	ceWork, colWork      *vk.Buffer
	normWork             *vk.Buffer
	scales               *vk.Buffer // host-visible drop-path scales (nil: no drop path)
}

// NewModel allocates a classifier for batches of n images with every
// parameter zero (load them with SetParams). With dropPath the encoder
// blocks apply the per-sample scales of Inputs.Scales on their branches.
func NewModel(o *ops.Ops, cfg mae.Config, classes, n int, layerDecay float64, dropPath bool) (*Model, error) {
	layout, err := NewLayout(cfg, classes)
	if err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("finetune: batch size %d, need at least 1", n)
	}
	m := &Model{Cfg: cfg, Classes: classes, Layout: layout, Batch: n, Groups: Groups(layout, cfg.EncDepth, layerDecay),
		o: o, d: o.Device()}
	if err := m.allocate(dropPath); err != nil {
		m.Release()
		return nil, err
	}
	return m, nil
}

func (m *Model) alloc(dst **vk.Buffer, err *error, name string, n int) {
	if *err != nil {
		return
	}
	b, e := m.d.NewBuffer(name, 4*max(n, 1))
	if e != nil {
		*err = fmt.Errorf("finetune: %w", e)
		return
	}
	m.owned = append(m.owned, b)
	*dst = b
}

func (m *Model) allocate(dropPath bool) error {
	var err error
	c, n, l, lay := m.Cfg, m.Batch, m.Cfg.NumPatches(), m.Layout
	d, cpp, k := c.EncDim, c.PatchDim(), m.Classes
	m.ParamBuffers, err = mae.AllocParamBuffers(m.d, c, lay, "finetune", "the classifier", func(name string, n int) (*vk.Buffer, error) {
		var b *vk.Buffer
		var e error
		m.alloc(&b, &e, name, n)
		return b, e
	})
	for _, g := range m.Groups {
		var ranges [][2]int
		for _, t := range lay.Tensors {
			if t.WeightDecay && t.Offset >= g.Start && t.Offset < g.End {
				ranges = append(ranges, [2]int{t.Offset - g.Start, t.Offset - g.Start + t.Len()})
			}
		}
		packed, perr := ops.PackDecayRanges(ranges, g.End-g.Start)
		if perr != nil && err == nil {
			err = fmt.Errorf("finetune: weight-decay ranges: %w", perr)
		}
		var b *vk.Buffer
		if len(packed) > 0 {
			m.alloc(&b, &err, "decay ranges", len(packed))
			if err == nil {
				err = b.WriteUint32(0, packed)
			}
		}
		m.decay, m.decayN = append(m.decay, b), append(m.decayN, len(ranges))
	}
	m.alloc(&m.ids, &err, "token ids", n*l)
	m.alloc(&m.pconv, &err, "conv patches", n*l*cpp)
	m.alloc(&m.embed, &err, "patch embedding", n*l*d)
	m.alloc(&m.gEmbed, &err, "grad patch embedding", n*l*d)
	h := &m.head
	var pooled, normed, mean, rstd, logits, dlogits, dnormed, dpooled, lnw, colw *vk.Buffer
	m.alloc(&pooled, &err, "pooled", n*d)
	m.alloc(&normed, &err, "fc_norm out", n*d)
	m.alloc(&mean, &err, "fc_norm mean", n)
	m.alloc(&rstd, &err, "fc_norm rstd", n)
	m.alloc(&logits, &err, "logits", n*k)
	m.alloc(&dlogits, &err, "grad logits", n*k)
	m.alloc(&dnormed, &err, "grad fc_norm out", n*d)
	m.alloc(&dpooled, &err, "grad pooled", n*d)
	lnWork, colWork := ops.HeadWorkFloats(n, d, k)
	m.alloc(&lnw, &err, "head layernorm work", lnWork)
	m.alloc(&colw, &err, "head column-sum work", colWork)
	h.Pooled, h.Normed, h.Mean, h.Rstd, h.Logits, h.DLogits = pooled, normed, mean, rstd, logits, dlogits
	h.DNormed, h.DPooled, h.LNWork, h.ColWork = dnormed, dpooled, lnw, colw
	m.alloc(&m.ceWork, &err, "cross-entropy work", ops.SoftCEWorkFloats(n))
	m.alloc(&m.colWork, &err, "token column-sum work", ops.ColumnSumsWorkFloats(n, (1+l)*d))
	m.alloc(&m.normWork, &err, "grad-norm work", ops.GradNormWorkFloats)
	if err != nil {
		return err
	}
	if err := m.fillIDs(); err != nil {
		return err
	}
	if m.stack, err = mae.NewStack(m.o, mae.StackShape{
		Prefix: "blocks", N: n, Tokens: 1 + l, Dim: d, Heads: c.EncHeads, MLP: c.EncMLPDim(), Depth: c.EncDepth, LNEps: c.LNEps,
	}, m.param, m.grad); err != nil {
		return err
	}
	if dropPath {
		if m.scales, err = m.d.NewHostBuffer("drop-path scales", 4*mae.ScaleStride(n)*2*c.EncDepth); err != nil {
			return fmt.Errorf("finetune: %w", err)
		}
		m.owned = append(m.owned, m.scales)
		if err := m.SetScales(nil); err != nil {
			return err
		}
		if err := m.stack.SetDropPath(m.scales); err != nil {
			return err
		}
	}
	h.X, h.DX = m.stack.Output(), m.stack.Grad()
	h.NormW, h.NormB, h.HeadW, h.HeadB = m.param("fc_norm.weight"), m.param("fc_norm.bias"), m.param("head.weight"), m.param("head.bias")
	h.DNormW, h.DNormB, h.DHeadW, h.DHeadB = m.grad("fc_norm.weight"), m.grad("fc_norm.bias"), m.grad("head.weight"), m.grad("head.bias")
	return nil
}

// fillIDs writes the identity token order: no masking.
func (m *Model) fillIDs() error {
	l := m.Cfg.NumPatches()
	ids := make([]uint32, m.Batch*l)
	for i := range ids {
		ids[i] = uint32(i % l)
	}
	return m.ids.WriteUint32(0, ids)
}

// Release frees every buffer of the model. The device must be done with
// them.
func (m *Model) Release() {
	if m.stack != nil {
		m.stack.Release()
		m.stack = nil
	}
	for _, b := range m.owned {
		b.Release()
	}
	m.owned = nil
}

func (m *Model) param(name string) vk.Span { return m.ParamSpan(name) }
func (m *Model) grad(name string) vk.Span  { return m.GradSpan(name) }
