package mae

import (
	"fmt"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// Taps are the intermediate values of one forward pass, downloaded for
// analysis: the token representations after every layer, the predictions,
// and on request every head's attention probabilities.
type Taps struct {
	// Enc holds EncDepth+1 tensors [N, 1+Lk, D]: the encoder's input
	// tokens (cls, then the visible patches in ids_keep order), then each
	// block's output.
	Enc [][]float32
	// Latent is norm(last encoder block) [N, 1+Lk, D], what the decoder
	// and a linear probe read.
	Latent []float32
	// Dec holds DecDepth+1 tensors [N, 1+L, Dd]: the decoder's input
	// tokens (cls, then every patch in image order), then each block's
	// output.
	Dec [][]float32
	// Pred are the predicted patches [N, L, P] (normalized-pixel space when
	// the model was trained with NormPixLoss).
	Pred []float32
	// EncAttn and DecAttn, when asked for, hold each block's attention
	// probabilities [N, H, S, S] (S = 1+Lk or 1+L; row = query, column =
	// key), computed on the device by the unfused attention path from the
	// same q, k, v the fused kernel read (attention_probs.go).
	EncAttn, DecAttn [][]float32
}

// Tap runs the forward pass on images [N, C, H, W] (N the model's batch)
// with the masking mk and downloads the taps; attn also computes and
// downloads the attention probabilities of every block. in must be a set
// of inputs of m that no pending recording uses.
func (m *Model) Tap(in *Inputs, images []float32, mk Masking, attn bool) (*Taps, error) {
	if err := m.runForward(in, images, mk); err != nil {
		return nil, err
	}
	a, s := &m.acts, m.seq
	var err error
	t := &Taps{}
	read := func(b *vk.Buffer, n int) ([]float32, error) {
		v := make([]float32, n)
		return v, b.ReadFloat32(0, v)
	}
	for _, st := range []struct {
		dec  bool
		sh   stackShape
		bl   []blockActs
		dst  *[][]float32
		attn *[][]float32
	}{{false, a.enc, a.encB, &t.Enc, &t.EncAttn}, {true, a.dec, a.decB, &t.Dec, &t.DecAttn}} {
		x, err := read(st.bl[0].x, st.sh.t*st.sh.d)
		if err != nil {
			return nil, err
		}
		*st.dst = append(*st.dst, x)
		for i := range st.bl {
			y, err := read(st.bl[i].out, st.sh.t*st.sh.d)
			if err != nil {
				return nil, err
			}
			*st.dst = append(*st.dst, y)
			if attn {
				p, err := m.attentionProbs(st.dec, i)
				if err != nil {
					return nil, err
				}
				*st.attn = append(*st.attn, p)
			}
		}
	}
	if t.Latent, err = m.readAct(a.latent, 0, s.encT*m.Cfg.EncDim); err != nil {
		return nil, err
	}
	if t.Pred, err = m.Pred(); err != nil {
		return nil, err
	}
	return t, nil
}

// AttentionOut downloads the fused attention kernel's output [N, S, D] of
// encoder (dec false) or decoder block i from the last forward pass; tests
// compare it with the probabilities of Tap times V.
func (m *Model) AttentionOut(dec bool, i int) ([]float32, error) {
	sh, bl := m.stackActs(dec)
	return m.readAct(bl[i].o, 0, sh.t*sh.d)
}

// QKV downloads the q, k, v rows [N, S, 3, H, d] of encoder (dec false) or
// decoder block i from the last forward pass.
func (m *Model) QKV(dec bool, i int) ([]float32, error) {
	sh, bl := m.stackActs(dec)
	return m.readAct(bl[i].qkv, 0, sh.t*3*sh.d)
}

// NewUnmaskedModel is NewModel for the forward pass without masking: the
// encoder sees all L patches of each image (the frozen features of a
// probe); run it with IdentityMasking. Its loss is meaningless (no patch
// is masked).
func NewUnmaskedModel(o *ops.Ops, cfg Config, n int) (*Model, error) {
	return newModelKeep(o, cfg, n, cfg.NumPatches(), ops.FP32)
}

// IdentityMasking keeps every patch of n samples of l patches in image
// order: the masking of a model from NewUnmaskedModel.
func IdentityMasking(n, l int) Masking {
	noise := make([]float64, n*l)
	for i := range noise {
		noise[i] = float64(i % l)
	}
	return MaskingFromNoise(noise, n, l, l)
}

// Encode runs the forward pass on images [N, C, H, W] with the masking mk
// and downloads only the latent norm(encoder(x)) [N, 1+Lk, D]: the frozen
// features of a probe when the model comes from NewUnmaskedModel.
func (m *Model) Encode(in *Inputs, images []float32, mk Masking) ([]float32, error) {
	if err := m.runForward(in, images, mk); err != nil {
		return nil, err
	}
	return m.readAct(m.acts.latent, 0, m.seq.encT*m.Cfg.EncDim)
}

// runForward writes the batch and runs one forward pass to completion.
func (m *Model) runForward(in *Inputs, images []float32, mk Masking) error {
	if err := m.SetBatch(in, images, mk); err != nil {
		return err
	}
	r, err := m.d.NewRecording()
	if err != nil {
		return err
	}
	defer r.Release()
	if err := m.RecordForward(r, in); err != nil {
		return err
	}
	if err := r.Run(); err != nil {
		return fmt.Errorf("mae: forward pass: %w", err)
	}
	return nil
}
