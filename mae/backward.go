package mae

import (
	"fmt"

	"github.com/mae-vk/mae-vk/vk"
)

// RecordBackward records the gradient of the loss with respect to every
// trainable parameter, after RecordForward in the same recording; each
// gradient is written (not accumulated) into the model's gradient buffer.
func (m *Model) RecordBackward(r *vk.Recording, in *Inputs) error {
	if err := m.recordBackward(r, in, nil); err != nil {
		return fmt.Errorf("mae backward: %w", err)
	}
	return nil
}

// recordBackward is RecordBackward; a non-nil cut may end the recording
// after any block and go on in another (see backwardCut).
func (m *Model) recordBackward(r *vk.Recording, in *Inputs, cut backwardCut) (err error) {
	c, s, a, o := m.Cfg, m.seq, &m.acts, m.o
	D, Dd := c.EncDim, c.DecDim
	// decoder_pred, then put the cls rows (which get no gradient) back.
	if err := m.linearBackward(r, "decoder_pred", a.decVis, a.dpred, a.gDecVis, s.n*s.l, Dd, s.p); err != nil {
		return err
	}
	r.Fill(a.gDecNorm.Whole(), 0)
	if err := o.CopyRows(r, a.gDecVis, a.gDecNorm, s.n, s.l*Dd, s.l*Dd, 0, (1+s.l)*Dd, Dd); err != nil {
		return err
	}
	decOut := a.decB[len(a.decB)-1].out
	if err := o.LayerNormBackward(r, decOut, m.param("decoder_norm.weight"), a.dnMean, a.dnRs, a.gDecNorm, a.decS.gx,
		m.grad("decoder_norm.weight"), m.grad("decoder_norm.bias"), a.lnWork, s.decT, Dd); err != nil {
		return err
	}
	for i := len(a.decB) - 1; i >= 0; i-- {
		if err := m.blockBackward(r, a.dec, i, &a.decB[i], &a.decS); err != nil {
			return err
		}
		if r, err = cut.after(m, r, "decoder_blocks", i); err != nil {
			return err
		}
	}
	// The position table is fixed; the unshuffle splits the gradient
	// between the decoder embedding and the mask token.
	if err := o.UnshuffleBackward(r, a.decS.gx, in.IDsRestore, a.gDembed, m.grad("mask_token"), s.n, s.l, s.lk, Dd); err != nil {
		return err
	}
	if err := m.linearBackward(r, "decoder_embed", a.latent, a.gDembed, a.gLatent, s.encT, D, Dd); err != nil {
		return err
	}
	encOut := a.encB[len(a.encB)-1].out
	if err := o.LayerNormBackward(r, encOut, m.param("norm.weight"), a.latMean, a.latRs, a.gLatent, a.encS.gx,
		m.grad("norm.weight"), m.grad("norm.bias"), a.lnWork, s.encT, D); err != nil {
		return err
	}
	for i := len(a.encB) - 1; i >= 0; i-- {
		if err := m.blockBackward(r, a.enc, i, &a.encB[i], &a.encS); err != nil {
			return err
		}
		if r, err = cut.after(m, r, "blocks", i); err != nil {
			return err
		}
	}
	// Encoder input: row 0 of each sample is the class token, rows 1.. the
	// embedded visible patches (the position table is fixed).
	gx := a.encS.gx
	if err := o.StridedColumnSums(r, gx, m.grad("cls_token"), a.colWork, s.n, D, (1+s.lk)*D, 0, 0); err != nil {
		return err
	}
	if err := o.CopyRows(r, gx, a.gEmbed, s.n, s.lk*D, (1+s.lk)*D, D, s.lk*D, 0); err != nil {
		return err
	}
	return m.linearBackward(r, "patch_embed.proj", a.pvis, a.gEmbed, nil, s.n*s.lk, s.cpp, D)
}

// backwardCut is called after the backward of each block, with the
// recording so far and the block's first element in the flat gradient:
// from there to TrainableLen every gradient is then final (the layout
// holds the blocks in order, and the backward runs from the last tensor
// back). It returns the recording to go on in: r, or a new one when it
// ended r there (a recording begins with a barrier against earlier
// submissions, so the pieces run as one when submitted in order).
type backwardCut func(r *vk.Recording, done int) (*vk.Recording, error)

// after calls c (if any) after block i of the stack named prefix.
func (c backwardCut) after(m *Model, r *vk.Recording, prefix string, i int) (*vk.Recording, error) {
	if c == nil {
		return r, nil
	}
	return c(r, m.Layout.mustLookup("backward", fmt.Sprintf("%s.%d.norm1.weight", prefix, i)).Offset)
}
