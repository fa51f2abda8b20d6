package ops

import "math"

// halfBits is f rounded to the nearest IEEE binary16 (ties to even), with
// overflow to infinity, subnormals, and NaN kept a NaN.
func halfBits(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	if b&0x7fffffff > 0x7f800000 {
		return sign | 0x7e00
	}
	exp := int(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	if exp >= 31 {
		return sign | 0x7c00
	}
	if exp <= 0 {
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint(14 - exp)
		h := mant >> shift
		rem, half := mant&(1<<shift-1), uint32(1)<<(shift-1)
		if rem > half || rem == half && h&1 == 1 {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(exp)<<10 | mant>>13
	if rem := mant & 0x1fff; rem > 0x1000 || rem == 0x1000 && h&1 == 1 {
		h++ // a carry into the exponent is still right, up to infinity
	}
	return sign | uint16(h)
}

// halfValue is the value of binary16 bits h.
func halfValue(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp, mant := int(h>>10&0x1f), float64(h&0x3ff)
	switch exp {
	case 0:
		return sign * mant * math.Ldexp(1, -24)
	case 31:
		if mant != 0 {
			return math.NaN()
		}
		return sign * math.Inf(1)
	}
	return sign * (1 + mant/1024) * math.Ldexp(1, exp-15)
}

// halfBytes encodes v as little-endian binary16 values.
func halfBytes(v []float64) []byte {
	out := make([]byte, 2*len(v))
	for i, x := range v {
		h := halfBits(float32(x))
		out[2*i], out[2*i+1] = byte(h), byte(h>>8)
	}
	return out
}
