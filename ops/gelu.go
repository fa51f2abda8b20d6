package ops

import (
	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// Gelu records the exact (erf) GELU of x [n] into y [n] (y may be x; see
// GeluRef), PyTorch's nn.GELU(approximate='none'):
//
//	y = 0.5 · x · (1 + erf(x/√2))
//
// erf is erf_f32 of shaders/include/erf.glsl (within 1e-7 + 2⁻²⁴·|erf| of
// the exact value). It panics on n < 0 or a binding that is too small.
func (o *Ops) Gelu(r *vk.Recording, x, y vk.Binding, n int) error {
	return o.geluMap(r, "Gelu", "gelu_fwd", x, y, n)
}

// GeluBackward records the input gradient of Gelu into dx [n] (dx may be
// dy; see GeluBackwardRef):
//
//	dx = dy · (Φ(x) + x·φ(x)),  Φ(x) = 0.5·(1 + erf(x/√2)),  φ(x) = exp(−x²/2)/√(2π)
//
// It panics on n < 0 or a binding that is too small.
func (o *Ops) GeluBackward(r *vk.Recording, x, dy, dx vk.Binding, n int) error {
	const op = "GeluBackward"
	checkN(op, n)
	need(op, "x", x, n)
	need(op, "dy", dy, n)
	need(op, "dx", dx, n)
	return o.map1D(r, op, "gelu_bwd", n, vec4Fits(n, x, dy, dx),
		func(nT uint32) []byte { return vk.PushBytes(shaders.GeluPush{N: nT}) }, x, dy, dx)
}

// erf records y = erf_f32(x) over n elements: the device's erf, for tests.
func (o *Ops) erf(r *vk.Recording, x, y vk.Binding, n int) error {
	return o.geluMap(r, "erf", "gelu_erf", x, y, n)
}

func (o *Ops) geluMap(r *vk.Recording, op, name string, x, y vk.Binding, n int) error {
	checkN(op, n)
	need(op, "x", x, n)
	need(op, "y", y, n)
	vec := vec4Fits(n, x, y) && name != "gelu_erf"
	return o.map1D(r, op, name, n, vec,
		func(nT uint32) []byte { return vk.PushBytes(shaders.GeluPush{N: nT}) }, x, y)
}
