package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// MeanPool records the mean over tokens skip..T−1 of x [N, T, D] into
// y [N, D]: the global average pool of models_vit's fine-tuning head,
// which skips the class token with skip = 1 (see MeanPoolRef):
//
//	y[n,d] = (1/(T − skip)) Σ_{t ≥ skip} x[n,t,d]
//
// It panics unless N, D ≥ 0 and 0 ≤ skip < T, or on a binding that is too
// small.
func (o *Ops) MeanPool(r *vk.Recording, x, y vk.Binding, n, t, d, skip int) error {
	const op = "MeanPool"
	checkMeanPool(op, n, t, d, skip)
	need(op, "x", x, n*t*d)
	need(op, "y", y, n*d)
	return o.meanPool(r, op, "meanpool_fwd", n*d, n, t, d, skip, x, y)
}

// MeanPoolBackward records the gradient of MeanPool, dx [N, T, D] from
// dy [N, D] (every element of dx is written; see MeanPoolBackwardRef):
//
//	dx[n,t,d] = t < skip ? 0 : dy[n,d] / (T − skip)
//
// It panics as MeanPool does.
func (o *Ops) MeanPoolBackward(r *vk.Recording, dy, dx vk.Binding, n, t, d, skip int) error {
	const op = "MeanPoolBackward"
	checkMeanPool(op, n, t, d, skip)
	need(op, "dy", dy, n*d)
	need(op, "dx", dx, n*t*d)
	return o.meanPool(r, op, "meanpool_bwd", n*t*d, n, t, d, skip, dy, dx)
}

func checkMeanPool(op string, n, t, d, skip int) {
	if n < 0 || d < 0 || skip < 0 || skip >= t {
		panic(fmt.Sprintf("ops: %s: N, T, D, skip = %d, %d, %d, %d, want N, D ≥ 0 and 0 ≤ skip < T", op, n, t, d, skip))
	}
}

func (o *Ops) meanPool(r *vk.Recording, op, name string, total, n, t, d, skip int, in, out vk.Binding) error {
	if total == 0 {
		return nil
	}
	fitU32(op, n*t*d)
	push := vk.PushBytes(shaders.MeanPoolPush{N: uint32(n), T: uint32(t), D: uint32(d), Skip: uint32(skip)})
	k, err := o.kernel(name, uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(k, o.groups1D(total), push, in, out)
	return nil
}
