package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// Index buffers (idsKeep, idsRestore) hold int32 values, one 32-bit word per
// index, as written by vk.Buffer.WriteUint32.

func checkTokens(op string, n, l, lk, d int) {
	if n < 1 || l < 1 || d < 1 || lk < 0 || lk > l {
		panic(fmt.Sprintf("ops: %s: N, L, Lk, D = %d, %d, %d, %d, want N, L, D ≥ 1 and 0 ≤ Lk ≤ L", op, n, l, lk, d))
	}
}

// GatherTokens keeps the visible tokens of each sample (the reference's
// torch.gather(x, 1, ids_keep); see GatherTokensRef): from x [N, L, D] and
// idsKeep [N, Lk] (int32) it writes y [N, Lk, D]:
//
//	y[n,k,:] = x[n, idsKeep[n,k], :]
//
// A row whose index is outside [0, L) is written as NaN. It panics on a bad
// shape or a binding that is too small.
func (o *Ops) GatherTokens(r *vk.Recording, x, idsKeep, y vk.Binding, n, l, lk, d int) error {
	const op = "GatherTokens"
	checkTokens(op, n, l, lk, d)
	need(op, "x", x, n*l*d)
	need(op, "idsKeep", idsKeep, n*lk)
	need(op, "y", y, n*lk*d)
	total := n * lk * d
	if total == 0 {
		return nil
	}
	fitU32(op, n*l*d) // indices into x
	push := vk.PushBytes(shaders.GatherPush{Count: fitU32(op, total), L: uint32(l), Lk: uint32(lk), D: uint32(d)})
	k, err := o.kernel("gather", uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(k, o.groups1D(total), push, x, idsKeep, y)
	return nil
}

// Unshuffle builds the decoder input (see UnshuffleRef): from x [N, 1+Lk, D]
// (class token first, then the visible tokens in kept order), the mask
// token mask [D] and idsRestore [N, L] (int32) it writes y [N, 1+L, D]:
//
//	y[n,0,:]   = x[n,0,:]
//	y[n,1+j,:] = x[n, 1+r, :]    if r = idsRestore[n,j] < Lk
//	y[n,1+j,:] = mask            otherwise
//
// A row whose index is outside [0, L) is written as NaN. It panics on a bad
// shape or a binding that is too small.
func (o *Ops) Unshuffle(r *vk.Recording, x, mask, idsRestore, y vk.Binding, n, l, lk, d int) error {
	const op = "Unshuffle"
	checkTokens(op, n, l, lk, d)
	need(op, "x", x, n*(1+lk)*d)
	need(op, "mask", mask, d)
	need(op, "idsRestore", idsRestore, n*l)
	need(op, "y", y, n*(1+l)*d)
	total := n * (1 + l) * d
	push := vk.PushBytes(shaders.GatherPush{Count: fitU32(op, total), L: uint32(l), Lk: uint32(lk), D: uint32(d)})
	k, err := o.kernel("unshuffle", uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(k, o.groups1D(total), push, x, mask, idsRestore, y)
	return nil
}

// UnshuffleBackward returns the gradients of Unshuffle (see
// UnshuffleBackwardRef) given dy [N, 1+L, D]: it writes every element of
// dx [N, 1+Lk, D] and dmask [D]:
//
//	dx[n,0,:]   = dy[n,0,:]
//	dx[n,1+r,:] = dy[n,1+j,:]                     for r = idsRestore[n,j] < Lk
//	dmask       = Σ_n Σ_{j: idsRestore[n,j] ≥ Lk} dy[n,1+j,:]
//
// idsRestore[n,:] must be a permutation of [0, L), as MAE's masking gives.
// dmask is summed in a fixed order (per-sample partial sums, then over the
// samples), so it is the same on every run. The partial sums are kept in
// the first N·D floats of dx before dx is written; three dispatches in all.
// It panics on a bad shape or a binding that is too small.
func (o *Ops) UnshuffleBackward(r *vk.Recording, dy, idsRestore, dx, dmask vk.Binding, n, l, lk, d int) error {
	const op = "UnshuffleBackward"
	checkTokens(op, n, l, lk, d)
	need(op, "dy", dy, n*(1+l)*d)
	need(op, "idsRestore", idsRestore, n*l)
	need(op, "dx", dx, n*(1+lk)*d)
	need(op, "dmask", dmask, d)
	fitU32(op, n*(1+l)*d) // indices into dy, the largest
	push := vk.PushBytes(shaders.UnshuffleBackwardPush{N: uint32(n), L: uint32(l), Lk: uint32(lk), D: uint32(d)})
	partial, err := o.kernel("unshuffle_backward_partial", uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	sum, err := o.kernel("unshuffle_backward_mask", uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	scatter, err := o.kernel("unshuffle_backward_dx", uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	cols := o.groups1D(d)[0]
	r.Dispatch(partial, vk.Groups{cols, min(n, o.maxGroups), 1}, push, dy, idsRestore, dx)
	r.Dispatch(sum, o.groups1D(d), push, dx, dmask)
	r.Dispatch(scatter, o.groups1D(n*(1+l)*d), push, dy, idsRestore, dx)
	return nil
}
