package ops

import (
	"fmt"
	"math"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// UnfusedAttentionWorkFloats is the scratch AttentionUnfused needs: q, k,
// v and o per head [B, H, L, d] (each rounded up to 64 floats, so every
// part can be bound on any device), and the scores [B, H, L, L].
func UnfusedAttentionWorkFloats(b, l, h, d int) int { return 4*unfusedPart(b, l, h, d) + b*h*l*l }

func unfusedPart(b, l, h, d int) int { return (b*h*l*d + 63) &^ 63 }

// AttentionUnfused computes what Attention computes (without the
// log-sum-exp) the plain way, as frameworks without a fused kernel do:
//
//	q, k, v = split heads of qkv            [B, H, L, d] each
//	S = q·kᵀ                                batched GEMM, [B·H, L, L] in memory
//	P = softmax(S/√d) by rows
//	o = P·v                                 batched GEMM
//	out = merge heads of o                  [B, L, H, d]
//
// It exists to measure the fused kernels against (mae-vk bench attention
// --compare) and as a second opinion in tests. work holds
// UnfusedAttentionWorkFloats(b, l, h, d) floats.
func (o *Ops) AttentionUnfused(r *vk.Recording, qkv, out, work vk.Binding, b, l, h, d int) error {
	const op = "AttentionUnfused"
	if b < 1 || l < 1 || h < 1 || d < 1 {
		panic(fmt.Sprintf("ops: %s: B, L, H, d = %d, %d, %d, %d", op, b, l, h, d))
	}
	need(op, "qkv", qkv, b*l*3*h*d)
	need(op, "out", out, b*l*h*d)
	need(op, "work", work, UnfusedAttentionWorkFloats(b, l, h, d))
	w, ok := work.(*vk.Buffer)
	if !ok {
		panic(fmt.Sprintf("ops: %s: work must be a whole *vk.Buffer", op))
	}
	per, stride := b*h*l*d, unfusedPart(b, l, h, d)
	part := func(i int) vk.Span { return w.Span(4*i*stride, 4*per) }
	q, k, v, ob, s := part(0), part(1), part(2), part(3), w.Span(16*stride, 4*b*h*l*l)
	push := vk.PushBytes(shaders.AttentionUnfusedPush{B: uint32(b), L: uint32(l), H: uint32(h), D: uint32(d), Scale: float32(1 / math.Sqrt(float64(d)))})
	split, err := o.kernel("attention_unfused_split", uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	softmax, err := o.kernel("attention_unfused_softmax", uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	merge, err := o.kernel("attention_unfused_merge", uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(split, o.groups1D(per), push, qkv, q, k, v)
	scores := GemmSpec{M: l, N: l, K: d, Batch: b * h, StrideA: l * d, StrideB: l * d, StrideC: l * l, Alpha: 1, TransB: true}
	if err := o.Gemm(r, scores, q, k, s, nil, nil); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(softmax, o.groups1D(b*h*l), push, s)
	pv := GemmSpec{M: l, N: d, K: l, Batch: b * h, StrideA: l * l, StrideB: l * d, StrideC: l * d, Alpha: 1}
	if err := o.Gemm(r, pv, s, v, ob, nil, nil); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(merge, o.groups1D(per), push, ob, out)
	return nil
}

// UnfusedAttentionProbsOffset is where, in floats, AttentionUnfused leaves
// the attention probabilities P = softmax(q·kᵀ/√d) [B, H, L, L] inside its
// work buffer once the recording has run; analysis reads them from there.
func UnfusedAttentionProbsOffset(b, l, h, d int) int { return 4 * unfusedPart(b, l, h, d) }
