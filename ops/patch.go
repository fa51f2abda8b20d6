package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// Modes of patch.comp.
const (
	patchModePQC = 0 // patchify, per-patch order (row, col, channel)
	patchModeCPQ = 1 // patchify, per-patch order (channel, row, col)
)

// Patchify cuts images img [N, C, H, W] into non-overlapping p×p patches,
// out [N, L, p·p·C] with L = (H/p)·(W/p), patches in row-major grid order and
// each patch vector ordered (row in patch, column in patch, channel) as the
// reference's patchify (the target of the loss; see PatchifyRef):
//
//	out[n, gy·(W/p) + gx, (r·p + q)·C + c] = img[n, c, gy·p + r, gx·p + q]
//
// It panics if a dimension is not positive, H or W is not a multiple of p,
// or a binding is too small.
func (o *Ops) Patchify(r *vk.Recording, img, out vk.Binding, n, c, h, w, p int) error {
	return o.patch("Patchify", r, img, out, n, c, h, w, p, patchModePQC)
}

// PatchifyConv is Patchify with each patch vector in (channel, row in patch,
// column in patch) order, the order of a Conv2d weight [D, C, p, p] flattened
// to [D, C·p·p]; the patch embedding is then out · Wᵀ with the conv weight
// used as is:
//
//	out[n, gy·(W/p) + gx, (c·p + r)·p + q] = img[n, c, gy·p + r, gx·p + q]
//
// It panics as Patchify does.
func (o *Ops) PatchifyConv(r *vk.Recording, img, out vk.Binding, n, c, h, w, p int) error {
	return o.patch("PatchifyConv", r, img, out, n, c, h, w, p, patchModeCPQ)
}

func (o *Ops) patch(op string, r *vk.Recording, src, dst vk.Binding, n, c, h, w, p int, mode uint32) error {
	if n < 1 || c < 1 || h < 1 || w < 1 || p < 1 {
		panic(fmt.Sprintf("ops: %s: N, C, H, W, p = %d, %d, %d, %d, %d, want all ≥ 1", op, n, c, h, w, p))
	}
	if h%p != 0 || w%p != 0 {
		panic(fmt.Sprintf("ops: %s: image %d×%d not divisible by patch %d", op, h, w, p))
	}
	total := n * c * h * w
	need(op, "input", src, total)
	need(op, "output", dst, total)
	push := vk.PushBytes(shaders.PatchPush{
		Total: fitU32(op, total), C: uint32(c), H: uint32(h), W: uint32(w), P: uint32(p), Mode: mode,
	})
	k, err := o.kernel("patch", uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(k, o.groups1D(total), push, src, dst)
	return nil
}

// fitU32 converts an element count or index bound to a push-constant word,
// panicking when it does not fit the shaders' 32-bit indexing.
func fitU32(op string, v int) uint32 {
	if v < 0 || v > 1<<32-1 {
		panic(fmt.Sprintf("ops: %s: %d does not fit the kernels' 32-bit indexing", op, v))
	}
	return uint32(v)
}
