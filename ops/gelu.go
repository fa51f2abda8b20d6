package ops

import (
	"fmt"

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
	return o.geluMap(r, "Gelu", "gelu_fwd", x, y, n, FP32, FP32)
}

// GeluTo is Gelu with x stored in precision xType and y in yType (a 16-bit
// y is rounded to nearest even at the store). A 16-bit x needs a 16-bit y
// of the same format. y must not overlap x when either is 16-bit.
func (o *Ops) GeluTo(r *vk.Recording, xType, yType Precision, x, y vk.Binding, n int) error {
	return o.geluMap(r, "Gelu", "gelu_fwd", x, y, n, xType, yType)
}

// GeluBackward records the input gradient of Gelu into dx [n] (dx may be
// dy; see GeluBackwardRef):
//
//	dx = dy · (Φ(x) + x·φ(x)),  Φ(x) = 0.5·(1 + erf(x/√2)),  φ(x) = exp(−x²/2)/√(2π)
//
// It panics on n < 0 or a binding that is too small.
func (o *Ops) GeluBackward(r *vk.Recording, x, dy, dx vk.Binding, n int) error {
	return o.GeluBackwardFrom(r, FP32, x, dy, dx, n)
}

// GeluBackwardFrom is GeluBackward with x stored in precision xType (dy and
// dx are fp32).
func (o *Ops) GeluBackwardFrom(r *vk.Recording, xType Precision, x, dy, dx vk.Binding, n int) error {
	const op = "GeluBackward"
	checkN(op, n)
	needT(op, "x", x, n, xType)
	need(op, "dy", dy, n)
	need(op, "dx", dx, n)
	return o.map1DSuffix(r, op, "gelu_bwd", halfSuffix("x16", xType), n, vec4Fits(n, x, dy, dx),
		func(nT uint32) []byte { return vk.PushBytes(shaders.GeluPush{N: nT}) }, x, dy, dx)
}

// erf records y = erf_f32(x) over n elements: the device's erf, for tests.
func (o *Ops) erf(r *vk.Recording, x, y vk.Binding, n int) error {
	return o.geluMap(r, "erf", "gelu_erf", x, y, n, FP32, FP32)
}

func (o *Ops) geluMap(r *vk.Recording, op, name string, x, y vk.Binding, n int, xType, yType Precision) error {
	checkN(op, n)
	needT(op, "x", x, n, xType)
	needT(op, "y", y, n, yType)
	vec := vec4Fits(n, x, y) && name != "gelu_erf"
	return o.map1DSuffix(r, op, name, geluHalfSuffix(op, xType, yType), n, vec,
		func(nT uint32) []byte { return vk.PushBytes(shaders.GeluPush{N: nT}) }, x, y)
}

// geluHalfSuffix names the 16-bit forward variant: "_x16y16_<format>" for
// a 16-bit x and y, "_y16_<format>" for a 16-bit y, "" for fp32.
func geluHalfSuffix(op string, xType, yType Precision) string {
	switch {
	case xType.Half() && xType == yType:
		return halfSuffix("x16y16", yType)
	case xType.Half():
		panic(fmt.Sprintf("ops: %s: x %v needs y %v", op, xType, xType))
	}
	return halfSuffix("y16", yType)
}
