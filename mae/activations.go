package mae

import (
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// stackShape is one transformer stack's sizes.
type stackShape struct {
	prefix  string // "blocks" or "decoder_blocks"
	n, s    int    // samples, tokens per sample
	t       int    // rows: n·s
	d, h, f int    // width, heads, MLP hidden width
	depth   int
}

// blockActs is what one block's forward pass saves; x is the block's input
// (the previous block's out).
type blockActs struct {
	x, h1, mean1, rstd1, qkv, o, lse *vk.Buffer
	x2, h2, mean2, rstd2, u, a, out  *vk.Buffer
}

// blockScratch is the backward pass's working memory for one stack, reused
// by every block of it.
type blockScratch struct {
	gx, gx2       *vk.Buffer // residual-stream gradients [t, d]
	dh, dln, dout *vk.Buffer // [t, d]
	da, du        *vk.Buffer // [t, f]
	dqkv          *vk.Buffer // [t, 3d]
	delta         *vk.Buffer // attention's D [n, h, s]
}

// activations are every buffer of the forward and backward passes.
type activations struct {
	enc, dec       stackShape
	encB, decB     []blockActs
	encS, decS     blockScratch
	target         *vk.Buffer // norm-pix target source: patchify(images) [n, l, p]
	pconv, pvis    *vk.Buffer // conv-order patches [n, l, cpp] and the visible ones [n, lk, cpp]
	embed          *vk.Buffer // embedded visible patches [n·lk, D]
	latent         *vk.Buffer // norm(encoder out) [encT, D]
	latMean, latRs *vk.Buffer
	dembed         *vk.Buffer // decoder_embed output [encT, Dd]
	dec0           *vk.Buffer // unshuffled + pos [decT, Dd]
	decNorm        *vk.Buffer // decoder_norm output [decT, Dd]
	dnMean, dnRs   *vk.Buffer
	decVis         *vk.Buffer // decoder_norm output without the cls rows [n·l, Dd]
	pred, dpred    *vk.Buffer // [n·l, p]
	lossWork       *vk.Buffer
	// backward-only
	gDecVis, gDecNorm *vk.Buffer // [n·l, Dd], [decT, Dd]
	gDembed           *vk.Buffer // [encT, Dd]
	gLatent           *vk.Buffer // [encT, D]
	gEmbed            *vk.Buffer // [n·lk, D]
	colWork, lnWork   *vk.Buffer // reduction scratch, sized for the largest use
	normWork          *vk.Buffer
	// dy16 is a 16-bit copy of a linear layer's output gradient, sized
	// for the largest (gradCopyElems): made when the ops run the model's
	// 16-bit products on the cooperative-matrix family, so that the
	// backward products (dW = dyᵀ·x, dx = dy·W) have two 16-bit operands
	// and run there too. Nil otherwise.
	dy16 *vk.Buffer
	// images is a device copy of the batch, made at the start of each
	// step when the device cannot read its own memory from the host (a
	// discrete GPU): the kernels then read it from device memory rather
	// than across the bus. Nil where device memory is host-visible.
	images *vk.Buffer
}

func (m *Model) allocActivations() error {
	c, s := m.Cfg, m.seq
	a := &m.acts
	a.enc = stackShape{"blocks", s.n, 1 + s.lk, s.encT, c.EncDim, c.EncHeads, c.EncMLPDim(), c.EncDepth}
	a.dec = stackShape{"decoder_blocks", s.n, 1 + s.l, s.decT, c.DecDim, c.DecHeads, c.DecMLPDim(), c.DecDepth}
	var err error
	mk := func(dst **vk.Buffer, name string, n int) {
		if err == nil {
			*dst, err = m.alloc(name, n)
		}
	}
	// mkAct: a GEMM input kept for the backward pass, stored in the
	// compute precision (precision.go).
	mkAct := func(dst **vk.Buffer, name string, n int) {
		if err == nil {
			*dst, err = m.allocAct(name, n)
		}
	}
	for _, sh := range []stackShape{a.enc, a.dec} {
		blocks, sc := allocStack(sh, mk, mkAct)
		if sh.prefix == "blocks" {
			a.encB, a.encS = blocks, sc
		} else {
			a.decB, a.decS = blocks, sc
		}
	}
	dd := c.DecDim
	mk(&a.target, "patches", s.n*s.l*s.p)
	mk(&a.pconv, "conv patches", s.n*s.l*s.cpp)
	mk(&a.pvis, "visible patches", s.n*s.lk*s.cpp)
	mk(&a.embed, "patch embedding", s.n*s.lk*c.EncDim)
	mkAct(&a.latent, "latent", s.encT*c.EncDim)
	mk(&a.latMean, "latent mean", s.encT)
	mk(&a.latRs, "latent rstd", s.encT)
	mk(&a.dembed, "decoder embed", s.encT*dd)
	mk(&a.decNorm, "decoder norm", s.decT*dd)
	mk(&a.dnMean, "decoder norm mean", s.decT)
	mk(&a.dnRs, "decoder norm rstd", s.decT)
	mk(&a.decVis, "decoder tokens", s.n*s.l*dd)
	mk(&a.pred, "pred", s.n*s.l*s.p)
	mk(&a.dpred, "grad pred", s.n*s.l*s.p)
	mk(&a.lossWork, "loss work", ops.LossWorkFloats(s.n, s.l))
	mk(&a.gDecVis, "grad decoder tokens", s.n*s.l*dd)
	mk(&a.gDecNorm, "grad decoder norm", s.decT*dd)
	mk(&a.gDembed, "grad decoder embed", s.encT*dd)
	mk(&a.gLatent, "grad latent", s.encT*c.EncDim)
	mk(&a.gEmbed, "grad patch embedding", s.n*s.lk*c.EncDim)
	colRows := []int{s.decT, s.encT, s.n * s.l, s.n * s.lk, s.n}
	colCols := []int{3 * max(c.EncDim, dd), max(c.EncMLPDim(), c.DecMLPDim()), s.p}
	cw, lw := 0, 0
	for _, r := range colRows {
		for _, cc := range colCols {
			cw = max(cw, ops.ColumnSumsWorkFloats(r, cc))
		}
		lw = max(lw, ops.LayerNormBackwardWorkFloats(r, max(c.EncDim, dd)))
	}
	mk(&a.colWork, "column-sum work", cw)
	mk(&a.lnWork, "layernorm work", lw)
	mk(&a.normWork, "grad-norm work", ops.GradNormWorkFloats)
	if m.prec.Half() && m.o.CoopMatRuns(m.prec) {
		mkAct(&a.dy16, "output-gradient copy", gradCopyElems(c, s.n, s.l, s.lk, s.p))
	}
	if !m.params.HostVisible() {
		mk(&a.images, "images on device", s.n*c.Channels*c.ImageSize*c.ImageSize)
	}
	if err == nil {
		a.dec0 = a.decB[0].x
	}
	return err
}
