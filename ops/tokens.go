package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// EncoderTokens records the encoder's input sequence x [N, 1+Lk, D] from
// the embedded visible patches e [N, Lk, D] (embedding bias included), their
// patch indices idsKeep [N, Lk] (int32), the class token cls [D] and the
// fixed position table pos [1+L, D]:
//
//	x[n,0,:]   = cls + pos[0,:]
//	x[n,1+j,:] = e[n,j,:] + pos[1+idsKeep[n,j],:]
//
// This is the reference's patch_embed + pos_embed[:, 1:], random_masking's
// gather, and the cat of cls_token + pos_embed[:, :1], with the embedding
// applied to the visible patches only (gathering first is the same
// function, at a quarter of the cost). The gradient needs no kernel of its
// own: d e is rows 1.. of dx (CopyRows), d cls the column sums of rows 0
// (StridedColumnSums); pos is fixed. It panics on a size below 1 or a
// binding that is too small.
func (o *Ops) EncoderTokens(r *vk.Recording, e, idsKeep, cls, pos, x vk.Binding, n, l, lk, d int) error {
	const op = "EncoderTokens"
	if n < 1 || l < 1 || lk < 1 || lk > l || d < 1 {
		panic(fmt.Sprintf("ops: %s: N, L, Lk, D = %d, %d, %d, %d", op, n, l, lk, d))
	}
	need(op, "e", e, n*lk*d)
	need(op, "idsKeep", idsKeep, n*lk)
	need(op, "cls", cls, d)
	need(op, "pos", pos, (1+l)*d)
	need(op, "x", x, n*(1+lk)*d)
	k, err := o.kernel("tokens", uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(k, o.groups1D(n*(1+lk)*d), vk.PushBytes(shaders.TokensPush{N: uint32(n), Lk: uint32(lk), D: uint32(d)}), e, cls, pos, idsKeep, x)
	return nil
}
