package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/vk"
)

// HeadBuffers are the bindings of the classification head of models_vit
// (global_pool=True) over encoder tokens x [N, T, D] for C classes.
type HeadBuffers struct {
	X                vk.Binding // encoder tokens [N, T, D] (token 0 is the class token, skipped)
	NormW, NormB     vk.Binding // fc_norm weight, bias [D]
	HeadW, HeadB     vk.Binding // head weight [C, D], bias [C]
	Pooled           vk.Binding // mean-pooled tokens [N, D] (saved for the backward)
	Normed           vk.Binding // fc_norm output [N, D] (saved)
	Mean, Rstd       vk.Binding // fc_norm statistics [N] (saved)
	Logits           vk.Binding // [N, C]
	DLogits          vk.Binding // backward: d loss / d logits [N, C]
	DNormed, DPooled vk.Binding // backward scratch [N, D] each
	DX               vk.Binding // backward: d loss / d x [N, T, D], every element written
	DNormW, DNormB   vk.Binding // backward: fc_norm gradients [D]
	DHeadW, DHeadB   vk.Binding // backward: head gradients [C, D], [C]
	LNWork, ColWork  vk.Binding // LayerNormBackward and ColumnSums work (see HeadWorkFloats)
}

// HeadWorkFloats returns the float32s the LNWork and ColWork buffers of
// the head need for N samples, width D and C classes.
func HeadWorkFloats(n, d, c int) (lnWork, colWork int) {
	return LayerNormBackwardWorkFloats(n, d), max(ColumnSumsWorkFloats(n, c), 1)
}

// ClassifierHead records the classification head of models_vit's
// VisionTransformer with global_pool=True (see ClassifierHeadRef):
//
//	pooled = mean over tokens 1..T−1 of x          [N, D]
//	normed = fc_norm(pooled)                       LayerNorm, eps
//	logits = normed · headᵀ + head_bias            [N, C]
//
// It panics on a bad shape or a binding that is too small.
func (o *Ops) ClassifierHead(r *vk.Recording, b HeadBuffers, n, t, d, c int, eps float32) error {
	if err := o.MeanPool(r, b.X, b.Pooled, n, t, d, 1); err != nil {
		return fmt.Errorf("ClassifierHead: %w", err)
	}
	if err := o.LayerNorm(r, b.Pooled, b.NormW, b.NormB, b.Normed, b.Mean, b.Rstd, n, d, eps); err != nil {
		return fmt.Errorf("ClassifierHead: %w", err)
	}
	s := GemmSpec{M: n, N: c, K: d, Batch: 1, Alpha: 1, TransB: true, Bias: true}
	if err := o.Gemm(r, s, b.Normed, b.HeadW, b.Logits, b.HeadB, nil); err != nil {
		return fmt.Errorf("ClassifierHead: %w", err)
	}
	return nil
}

// ClassifierHeadBackward records the gradients of ClassifierHead given
// b.DLogits, after it in the same recording (see ClassifierHeadBackwardRef):
//
//	dHeadW = dlogitsᵀ·normed,  dHeadB = Σ_n dlogits,  dnormed = dlogits·head
//	dpooled, dNormW, dNormB = LayerNorm backward
//	dx[n,t,:] = t = 0 ? 0 : dpooled[n,:] / (T − 1)
//
// Every gradient is written, not accumulated.
func (o *Ops) ClassifierHeadBackward(r *vk.Recording, b HeadBuffers, n, t, d, c int) error {
	dw := GemmSpec{M: c, N: d, K: n, Batch: 1, Alpha: 1, TransA: true}
	if err := o.Gemm(r, dw, b.DLogits, b.Normed, b.DHeadW, nil, nil); err != nil {
		return fmt.Errorf("ClassifierHeadBackward: %w", err)
	}
	if err := o.ColumnSums(r, b.DLogits, b.DHeadB, b.ColWork, n, c); err != nil {
		return fmt.Errorf("ClassifierHeadBackward: %w", err)
	}
	dx := GemmSpec{M: n, N: d, K: c, Batch: 1, Alpha: 1}
	if err := o.Gemm(r, dx, b.DLogits, b.HeadW, b.DNormed, nil, nil); err != nil {
		return fmt.Errorf("ClassifierHeadBackward: %w", err)
	}
	if err := o.LayerNormBackward(r, b.Pooled, b.NormW, b.Mean, b.Rstd, b.DNormed, b.DPooled, b.DNormW, b.DNormB, b.LNWork, n, d); err != nil {
		return fmt.Errorf("ClassifierHeadBackward: %w", err)
	}
	if err := o.MeanPoolBackward(r, b.DPooled, b.DX, n, t, d, 1); err != nil {
		return fmt.Errorf("ClassifierHeadBackward: %w", err)
	}
	return nil
}
