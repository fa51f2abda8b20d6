package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// SoftCEWorkFloats is how many float32s the work buffer of
// SoftCrossEntropy holds for N samples: one loss per sample.
func SoftCEWorkFloats(n int) int { return n }

// SoftCrossEntropy records the softmax cross-entropy of logits [N, C]
// against soft targets [N, C] (one-hot, label-smoothed or mixed rows, each
// summing to 1) averaged over the batch, fused with its gradient, as timm's
// SoftTargetCrossEntropy (see SoftCrossEntropyRef):
//
//	lse[n]       = log Σ_c exp(logits[n,c])
//	loss         = (1/N) Σ_n Σ_c target[n,c] · (lse[n] − logits[n,c])
//	dlogits[n,c] = (softmax(logits[n])[c] · Σ_c target[n,c] − target[n,c]) / N
//
// loss [1] is left on the device; work holds SoftCEWorkFloats(N) float32s
// of scratch (the per-sample losses afterwards). The batch sum runs in a
// fixed order: the loss is the same on every run. It panics on N or C < 1
// or a binding that is too small.
func (o *Ops) SoftCrossEntropy(r *vk.Recording, logits, target, loss, dlogits, work vk.Binding, n, c int) error {
	const op = "SoftCrossEntropy"
	if n < 1 || c < 1 {
		panic(fmt.Sprintf("ops: %s: N, C = %d, %d, want ≥ 1", op, n, c))
	}
	need(op, "logits", logits, n*c)
	need(op, "target", target, n*c)
	need(op, "loss", loss, 1)
	need(op, "dlogits", dlogits, n*c)
	need(op, "work", work, SoftCEWorkFloats(n))
	fitU32(op, n*c)
	push := vk.PushBytes(shaders.SoftCEPush{N: uint32(n), C: uint32(c)})
	local := uint32(o.sumLocal())
	rows, err := o.kernel("softce_rows", local)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	final, err := o.kernel("softce_final", local)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	groups := min(ceilDiv(n, int(local)), o.maxGroups)
	r.Dispatch(rows, vk.Groups{groups, 1, 1}, push, logits, target, dlogits, work)
	r.Dispatch(final, vk.Groups{1, 1, 1}, push, work, loss)
	return nil
}
