package finetune

import (
	"fmt"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// RecordForward records the classifier's forward pass and loss on in:
//
//	x      = [cls + pos[0], patch_embed(patches) + pos[1:]]   [N, 1+L, D]
//	x      = blocks(x)                       (drop path from in.Scales)
//	logits = head(fc_norm(mean of x[:, 1:]))  [N, Classes]
//	loss   = soft-target cross-entropy against in.Targets
//
// leaving d loss/d logits for RecordBackward and a copy of the logits in
// in.Logits.
func (m *Model) RecordForward(r *vk.Recording, in *Inputs) error {
	if err := m.recordForward(r, in); err != nil {
		return fmt.Errorf("classifier forward: %w", err)
	}
	return nil
}

func (m *Model) recordForward(r *vk.Recording, in *Inputs) error {
	c, o, n, l := m.Cfg, m.o, m.Batch, m.Cfg.NumPatches()
	d := c.EncDim
	if err := o.PatchifyConv(r, in.Images, m.pconv, n, c.Channels, c.ImageSize, c.ImageSize, c.PatchSize); err != nil {
		return err
	}
	if err := m.stack.RecordLinear(r, "patch_embed.proj", m.pconv, m.embed, n*l, c.PatchDim(), d); err != nil {
		return err
	}
	if err := o.EncoderTokens(r, m.embed, m.ids, m.param("cls_token"), m.param("pos_embed"), m.stack.Input(), n, l, l, d); err != nil {
		return err
	}
	if err := m.stack.RecordForward(r); err != nil {
		return err
	}
	if err := o.ClassifierHead(r, m.head, n, 1+l, d, m.Classes, float32(c.LNEps)); err != nil {
		return err
	}
	if err := o.SoftCrossEntropy(r, m.head.Logits, in.Targets, in.Loss, m.head.DLogits, m.ceWork, n, m.Classes); err != nil {
		return err
	}
	size := 4 * n * m.Classes
	r.Copy(in.Logits.Span(0, size), m.head.Logits.(*vk.Buffer).Span(0, size))
	return nil
}

// RecordBackward records the gradient of the loss with respect to every
// parameter after RecordForward; each gradient is written, not
// accumulated.
func (m *Model) RecordBackward(r *vk.Recording) error {
	if err := m.recordBackward(r); err != nil {
		return fmt.Errorf("classifier backward: %w", err)
	}
	return nil
}

func (m *Model) recordBackward(r *vk.Recording) error {
	c, o, n, l := m.Cfg, m.o, m.Batch, m.Cfg.NumPatches()
	d := c.EncDim
	if err := o.ClassifierHeadBackward(r, m.head, n, 1+l, d, m.Classes); err != nil {
		return err
	}
	if err := m.stack.RecordBackward(r); err != nil {
		return err
	}
	gx := m.stack.Grad()
	// Row 0 of every sample is cls_token + pos_embed[0]; rows 1.. are the
	// embedded patches + pos_embed[1:]: pos_embed's gradient is the batch
	// sum of every row, cls_token's that of row 0.
	if err := o.StridedColumnSums(r, gx, m.grad("cls_token"), m.colWork, n, d, (1+l)*d, 0, 0); err != nil {
		return err
	}
	if err := o.StridedColumnSums(r, gx, m.grad("pos_embed"), m.colWork, n, (1+l)*d, (1+l)*d, 0, 0); err != nil {
		return err
	}
	if err := o.CopyRows(r, gx, m.gEmbed, n, l*d, (1+l)*d, d, l*d, 0); err != nil {
		return err
	}
	return m.stack.RecordLinearBackward(r, "patch_embed.proj", m.pconv, m.gEmbed, nil, n*l, c.PatchDim(), d)
}

// RecordUpdate records the global gradient norm (into in.Norm) and one
// AdamW step per learning-rate group, each with its own learning rate
// (in.Hyper at g·HyperStride), weight decay wd on the tensors that take it
// and clipping to the max norm in in.Hyper when that is positive.
func (m *Model) RecordUpdate(r *vk.Recording, in *Inputs, beta1, beta2, eps, wd float64) error {
	n := m.Layout.TrainableLen
	params, grads, m1, m2 := m.Buffers()
	if err := m.o.GradNorm(r, grads.Span(0, 4*n), in.Norm, m.normWork, n); err != nil {
		return fmt.Errorf("classifier update: %w", err)
	}
	cfg := ops.AdamWConfig{Beta1: float32(beta1), Beta2: float32(beta2), Eps: float32(eps), WeightDecay: float32(wd)}
	for g, gr := range m.Groups {
		off, size := 4*gr.Start, 4*(gr.End-gr.Start)
		b := ops.AdamWBuffers{
			Param: params.Span(off, size), Grad: grads.Span(off, size), M: m1.Span(off, size), V: m2.Span(off, size),
			Hyper: in.Hyper.Span(4*g*HyperStride, 4*ops.AdamWHyperFloats), Norm: in.Norm,
		}
		if m.decay[g] != nil {
			b.Decay, b.DecayRanges = m.decay[g], m.decayN[g]
		}
		if err := m.o.AdamW(r, cfg, b, gr.End-gr.Start); err != nil {
			return fmt.Errorf("classifier update, layer %d: %w", gr.Layer, err)
		}
	}
	return nil
}
