package mae

import (
	"fmt"

	"github.com/mae-vk/mae-vk/ops"
)

// attentionProbs computes the attention probabilities [N, H, S, S] (row =
// query, column = key) of encoder (dec false) or decoder block i during
// the last forward pass: the unfused attention path run on the device over
// the same q, k, v the fused kernel read. It is the one way to attention
// probabilities: Tap (analysis) and DecoderAttentionProbs (the viewer)
// both read it.
func (m *Model) attentionProbs(dec bool, i int) ([]float32, error) {
	sh, bl := m.stackActs(dec)
	hd := sh.d / sh.h
	work, err := m.d.NewBuffer("attention probabilities", 4*ops.UnfusedAttentionWorkFloats(sh.n, sh.s, sh.h, hd))
	if err != nil {
		return nil, fmt.Errorf("mae: %w", err)
	}
	defer work.Release()
	out, err := m.d.NewBuffer("unfused attention out", 4*sh.t*sh.d)
	if err != nil {
		return nil, fmt.Errorf("mae: %w", err)
	}
	defer out.Release()
	r, err := m.d.NewRecording()
	if err != nil {
		return nil, err
	}
	defer r.Release()
	qkv, free, err := m.recordWiden(r, bl[i].qkv, sh.t*3*sh.d)
	if err != nil {
		return nil, err
	}
	defer free()
	if err := m.o.AttentionUnfused(r, qkv, out, work, sh.n, sh.s, sh.h, hd); err != nil {
		return nil, err
	}
	if err := r.Run(); err != nil {
		return nil, fmt.Errorf("mae: attention probabilities: %w", err)
	}
	p := make([]float32, sh.n*sh.h*sh.s*sh.s)
	return p, work.ReadFloat32(ops.UnfusedAttentionProbsOffset(sh.n, sh.s, sh.h, hd), p)
}

// stackActs is the shape and the per-block activations of the encoder
// (dec false) or the decoder.
func (m *Model) stackActs(dec bool) (stackShape, []blockActs) {
	if dec {
		return m.acts.dec, m.acts.decB
	}
	return m.acts.enc, m.acts.encB
}
