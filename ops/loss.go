package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// LossWorkFloats is how many float32s the work buffer of MaskedMSELoss holds
// for N samples of L patches: Σmask, then one masked MSE per patch.
func LossWorkFloats(n, l int) int { return 1 + n*l }

// MaskedMSELoss records MAE's forward_loss and its gradient (see
// MaskedMSELossRef): the mean squared error of pred [N, L, P] against
// target [N, L, P], standardized per patch when normPix, averaged over the
// masked patches (mask [N, L] float, 1 = masked/removed). It writes loss [1]
// (left on the device, for the host to read after the submission is done)
// and dpred [N, L, P]:
//
//	μ, σ²          = mean and unbiased variance of target[n,l,:]
//	t'[n,l,e]      = (target[n,l,e] − μ) / √(σ² + 1e-6)   (target itself without normPix)
//	mse[n,l]       = (1/P) Σ_e (pred[n,l,e] − t'[n,l,e])²
//	loss           = Σ mse·mask / Σ mask
//	dpred[n,l,e]   = 2·mask[n,l]·(pred[n,l,e] − t'[n,l,e]) / (P·Σ mask)
//
// work holds LossWorkFloats(N, L) float32s of scratch: work[0] = Σ mask and
// work[1 + n·L + l] = mse[n,l]·mask[n,l] afterwards. Every sum runs in a
// fixed order (no atomics), so the loss is the same on every run. Three
// dispatches: Σ mask (one workgroup), one workgroup per patch, the final sum
// (one workgroup). The loss is NaN when the mask is all zeros, as in the
// reference. It panics on a bad shape (P < 2 with normPix) or a binding that
// is too small.
func (o *Ops) MaskedMSELoss(r *vk.Recording, pred, target, mask, loss, dpred, work vk.Binding, n, l, p int, normPix bool) error {
	const op = "MaskedMSELoss"
	if n < 1 || l < 1 || p < 1 || (normPix && p < 2) {
		panic(fmt.Sprintf("ops: %s: N, L, P = %d, %d, %d, want ≥ 1 (P ≥ 2 with normPix)", op, n, l, p))
	}
	rows := n * l
	need(op, "pred", pred, rows*p)
	need(op, "target", target, rows*p)
	need(op, "mask", mask, rows)
	need(op, "loss", loss, 1)
	need(op, "dpred", dpred, rows*p)
	need(op, "work", work, LossWorkFloats(n, l))
	fitU32(op, rows*p)
	push := vk.PushBytes(shaders.LossPush{Rows: fitU32(op, rows), P: uint32(p), NormPix: b32(normPix)})
	local := uint32(o.sumLocal())
	masksum, err := o.kernel("loss_masksum", local)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	perRow, err := o.kernel("loss_rows", local)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	final, err := o.kernel("loss_final", local)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(masksum, vk.Groups{1, 1, 1}, push, mask, work)
	r.Dispatch(perRow, o.groups1D(rows), push, pred, target, mask, dpred, work)
	r.Dispatch(final, vk.Groups{1, 1, 1}, push, work, loss)
	return nil
}

// sumLocal is the workgroup size of the kernels that sum with wgSum
// (shaders/include/loss_wgsum.glsl): a power of two, at most 256.
func (o *Ops) sumLocal() int {
	s := 1
	for s*2 <= min(o.local, 256) {
		s *= 2
	}
	return s
}

func b32(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
