package mae

import (
	"github.com/mae-vk/mae-vk/vk"
)

// RecordForward records the forward pass and the loss of the batch in in:
//
//	x    = [cls + pos0, patch_embed(visible patches) + pos]      [N, 1+Lk, D]
//	lat  = norm(blocks(x))
//	z    = unshuffle(decoder_embed(lat), mask_token) + decoder_pos_embed
//	pred = decoder_pred(decoder_norm(decoder_blocks(z)))[:, 1:]  [N, L, P]
//	loss = masked mean of per-patch MSE against the (norm-pix) target
//
// It leaves the loss in in.Loss and d loss/d pred in the model for
// RecordBackward.
//
// In a 16-bit precision it first casts the master weights to 16 bits; in
// fp16 it scales d loss/d pred by the loss scale in in.LossScale.
func (m *Model) RecordForward(r *vk.Recording, in *Inputs) error {
	return m.recordStepForward(r, in, true)
}

func (m *Model) recordForward(r *vk.Recording, in *Inputs) error {
	c, s, a, o := m.Cfg, m.seq, &m.acts, m.o
	D, Dd := c.EncDim, c.DecDim
	var images vk.Binding = in.Images
	if a.images != nil {
		size := in.Images.Size()
		r.Copy(a.images.Span(0, size), in.Images.Span(0, size))
		images = a.images
	}
	// Patch embedding of the visible patches, with the conv weight as is.
	if err := o.PatchifyConv(r, images, a.pconv, s.n, c.Channels, c.ImageSize, c.ImageSize, c.PatchSize); err != nil {
		return err
	}
	if err := o.GatherTokens(r, a.pconv, in.IDsKeep, a.pvis, s.n, s.l, s.lk, s.cpp); err != nil {
		return err
	}
	if err := m.linear(r, "patch_embed.proj", a.pvis, a.embed, s.n*s.lk, s.cpp, D, nil); err != nil {
		return err
	}
	x0 := a.encB[0].x
	if err := o.EncoderTokens(r, a.embed, in.IDsKeep, m.param("cls_token"), m.param("pos_embed"), x0, s.n, s.l, s.lk, D); err != nil {
		return err
	}
	for i := range a.encB {
		if err := m.blockForward(r, a.enc, i, &a.encB[i]); err != nil {
			return err
		}
	}
	encOut := a.encB[len(a.encB)-1].out
	if err := o.LayerNormTo(r, m.typeOf(a.latent), encOut, m.param("norm.weight"), m.param("norm.bias"), a.latent, a.latMean, a.latRs, s.encT, D, float32(c.LNEps)); err != nil {
		return err
	}
	// Decoder.
	if err := m.linear(r, "decoder_embed", a.latent, a.dembed, s.encT, D, Dd, nil); err != nil {
		return err
	}
	if err := o.Unshuffle(r, a.dembed, m.param("mask_token"), in.IDsRestore, a.dec0, s.n, s.l, s.lk, Dd); err != nil {
		return err
	}
	if err := o.BroadcastAdd(r, a.dec0, m.param("decoder_pos_embed"), a.dec0, s.n, 1+s.l, Dd, 0); err != nil {
		return err
	}
	for i := range a.decB {
		if err := m.blockForward(r, a.dec, i, &a.decB[i]); err != nil {
			return err
		}
	}
	decOut := a.decB[len(a.decB)-1].out
	if err := o.LayerNorm(r, decOut, m.param("decoder_norm.weight"), m.param("decoder_norm.bias"), a.decNorm, a.dnMean, a.dnRs, s.decT, Dd, float32(c.LNEps)); err != nil {
		return err
	}
	// Drop the cls row of every sample, then predict the patches.
	if err := o.CopyRows(r, a.decNorm, a.decVis, s.n, s.l*Dd, (1+s.l)*Dd, Dd, s.l*Dd, 0); err != nil {
		return err
	}
	if err := m.linear(r, "decoder_pred", a.decVis, a.pred, s.n*s.l, Dd, s.p, nil); err != nil {
		return err
	}
	if err := o.Patchify(r, images, a.target, s.n, c.Channels, c.ImageSize, c.ImageSize, c.PatchSize); err != nil {
		return err
	}
	return o.MaskedMSELoss(r, a.pred, a.target, in.Mask, in.Loss, a.dpred, a.lossWork, s.n, s.l, s.p, c.NormPixLoss)
}

// Pred downloads the last forward pass's predictions [N, L, P].
func (m *Model) Pred() ([]float32, error) {
	v := make([]float32, m.seq.n*m.seq.l*m.seq.p)
	return v, m.acts.pred.ReadFloat32(0, v)
}
