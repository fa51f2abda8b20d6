package ops

import (
	"fmt"
	"math"
	"strings"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// Precision is how a tensor's floats are stored on the device: fp32, or one
// of the 16-bit formats of shaders/include/storage.glsl. Arithmetic is fp32
// whatever the storage; 16-bit tensors are rounded to nearest even when
// written and widened exactly when read.
type Precision int

const (
	FP32 Precision = iota // IEEE binary32
	FP16                  // IEEE binary16
	BF16                  // bfloat16: the top 16 bits of a binary32
)

// Precisions lists every precision, in the order the CLI shows them.
var Precisions = []Precision{FP32, FP16, BF16}

func (p Precision) String() string {
	switch p {
	case FP32:
		return "fp32"
	case FP16:
		return "fp16"
	case BF16:
		return "bf16"
	}
	return fmt.Sprintf("Precision(%d)", int(p))
}

// ParsePrecision reads "fp32", "fp16" or "bf16" (case-insensitive).
func ParsePrecision(s string) (Precision, error) {
	for _, p := range Precisions {
		if strings.EqualFold(s, p.String()) {
			return p, nil
		}
	}
	return FP32, fmt.Errorf("precision %q: want fp32, fp16 or bf16", s)
}

// Bytes is the size of one element.
func (p Precision) Bytes() int {
	if p == FP32 {
		return 4
	}
	return 2
}

// Half reports whether p is a 16-bit format.
func (p Precision) Half() bool { return p == FP16 || p == BF16 }

// Supported reports whether device info can run p: 16-bit formats need
// storageBuffer16BitAccess (no fp16 arithmetic: conversions are integer
// operations).
func (p Precision) Supported(info vk.DeviceInfo) bool {
	return p == FP32 || info.Storage16
}

// HalfBits converts v to the 16-bit word of format p (FP16 or BF16) with
// round to nearest even, bit for bit as float_to_half in storage.glsl.
func HalfBits(p Precision, v float32) uint16 {
	x := math.Float32bits(v)
	if p == BF16 {
		if x&0x7fffffff > 0x7f800000 {
			return uint16(x>>16) | 0x40
		}
		return uint16((x + 0x7fff + (x>>16)&1) >> 16)
	}
	sign := uint16(x>>16) & 0x8000
	ax := x & 0x7fffffff
	switch {
	case ax > 0x7f800000:
		return sign | 0x7e00
	case ax >= 0x477ff000:
		return sign | 0x7c00
	case ax < 0x38800000:
		return sign | uint16(math.RoundToEven(float64(math.Float32frombits(ax))*(1<<24)))
	}
	r := ax + 0xfff + (ax>>13)&1
	return sign | uint16((r-0x38000000)>>13)
}

// HalfValue widens the 16-bit word w of format p to float32 (exact).
func HalfValue(p Precision, w uint16) float32 {
	if p == BF16 {
		return math.Float32frombits(uint32(w) << 16)
	}
	sign := float32(1)
	if w&0x8000 != 0 {
		sign = -1
	}
	e, m := int(w>>10)&0x1f, float64(w&0x3ff)
	switch e {
	case 0:
		return sign * float32(m*math.Pow(2, -24))
	case 0x1f:
		if m != 0 {
			return float32(math.NaN())
		}
		return sign * float32(math.Inf(1))
	}
	return sign * float32((1+m/1024)*math.Pow(2, float64(e-15)))
}

// PackHalf converts v to format p, two words per uint32 (element 2i in the
// low half), the layout of a 16-bit tensor on the device.
func PackHalf(p Precision, v []float32) []uint32 {
	out := make([]uint32, (len(v)+1)/2)
	for i, x := range v {
		out[i/2] |= uint32(HalfBits(p, x)) << (16 * (i % 2))
	}
	return out
}

// UnpackHalf is the inverse of PackHalf for n elements.
func UnpackHalf(p Precision, words []uint32, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = HalfValue(p, uint16(words[i/2]>>(16*(i%2))))
	}
	return out
}

// Cast records the conversion of n elements of src into dst between fp32
// and the 16-bit format p (FP16 or BF16), round to nearest even:
//
//	toHalf:  dst[i] = HalfBits(p, src[i])   src fp32, dst 16-bit words
//	!toHalf: dst[i] = HalfValue(p, src[i])  src 16-bit words, dst fp32
//
// It panics on a p that is not 16-bit or a binding that is too small.
func (o *Ops) Cast(r *vk.Recording, p Precision, toHalf bool, src, dst vk.Binding, n int) error {
	const op = "Cast"
	checkN(op, n)
	if !p.Half() {
		panic(fmt.Sprintf("ops: %s: precision %v is not 16-bit", op, p))
	}
	name, in, out := castName(p, true), FP32, p
	if !toHalf {
		name, in, out = castName(p, false), p, FP32
	}
	needT(op, "src", src, n, in)
	needT(op, "dst", dst, n, out)
	return o.map1D(r, op, name, n, false,
		func(nT uint32) []byte { return vk.PushBytes(shaders.CastPush{N: nT}) }, src, dst)
}

// halfSuffix is the variant-name suffix of the 16-bit operands named by
// operands ("a16b16", "y16", …) in format p: "_<operands>_<p>", or "" when
// p is fp32 (shaders/variants_half.go builds the same names).
func halfSuffix(operands string, p Precision) string {
	if !p.Half() {
		return ""
	}
	return "_" + operands + "_" + p.String()
}

// needT panics unless binding b holds at least n elements of precision p.
func needT(op, what string, b vk.Binding, n int, p Precision) {
	need(op, what, b, (n*p.Bytes()+3)/4)
}

// castName is the variant of Cast.
func castName(p Precision, toHalf bool) string {
	if toHalf {
		return "cast_to_" + p.String()
	}
	return "cast_from_" + p.String()
}
