package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// DropPath records stochastic depth on a residual branch: x and b
// [N, R] (R elements per sample) into y [N, R], with scale [N] holding
// keep[n]/keep_prob (0 drops sample n's branch; see DropPathRef):
//
//	y[n,i] = x[n,i] + scale[n] · b[n,i]
//
// y must not alias x or b. It panics on a negative size or a binding that
// is too small.
func (o *Ops) DropPath(r *vk.Recording, x, b, scale, y vk.Binding, n, perSample int) error {
	const op = "DropPath"
	checkDropPath(op, n, perSample)
	need(op, "x", x, n*perSample)
	need(op, "b", b, n*perSample)
	need(op, "scale", scale, n)
	need(op, "y", y, n*perSample)
	return o.dropPath(r, op, "droppath_fwd", n, perSample, x, b, scale, y)
}

// DropPathBackward records the branch gradient of DropPath (the identity
// path passes dy through unchanged; see DropPathBackwardRef):
//
//	db[n,i] = scale[n] · dy[n,i]
//
// db must not alias dy. It panics on a negative size or a binding that is
// too small.
func (o *Ops) DropPathBackward(r *vk.Recording, dy, scale, db vk.Binding, n, perSample int) error {
	const op = "DropPathBackward"
	checkDropPath(op, n, perSample)
	need(op, "dy", dy, n*perSample)
	need(op, "scale", scale, n)
	need(op, "db", db, n*perSample)
	return o.dropPath(r, op, "droppath_bwd", n, perSample, dy, scale, db)
}

func checkDropPath(op string, n, perSample int) {
	if n < 0 || perSample < 1 {
		panic(fmt.Sprintf("ops: %s: N, R = %d, %d, want N ≥ 0, R ≥ 1", op, n, perSample))
	}
}

func (o *Ops) dropPath(r *vk.Recording, op, name string, n, perSample int, bindings ...vk.Binding) error {
	if n == 0 {
		return nil
	}
	total := fitU32(op, n*perSample)
	push := vk.PushBytes(shaders.DropPathPush{Total: total, PerSample: uint32(perSample)})
	k, err := o.kernel(name, uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(k, o.groups1D(int(total)), push, bindings...)
	return nil
}
