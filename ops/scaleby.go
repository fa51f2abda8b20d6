package ops

import (
	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// ScaleBy records x [n] scaled by a factor that lives on the device,
// element index of f, into y [n] (y may be x):
//
//	y[i] = f[index] · x[i]
//
// The loss scaling of fp16 training reads its scale this way, so that one
// recording serves every scale. It panics on n < 0 or a binding that is
// too small.
func (o *Ops) ScaleBy(r *vk.Recording, x, f, y vk.Binding, n, index int) error {
	const op = "ScaleBy"
	checkN(op, n)
	need(op, "x", x, n)
	need(op, "f", f, index+1)
	need(op, "y", y, n)
	return o.map1D(r, op, "elementwise_scale_by", n, vec4Fits(n, x, y),
		func(nT uint32) []byte {
			return vk.PushBytes(shaders.ElementwiseScaleByPush{N: nT, Index: uint32(index)})
		}, x, f, y)
}
