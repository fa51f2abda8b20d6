package ops

// fp16 helpers of the cooperative-matrix GEMM family (its inputs are
// binary16). The conversions are those of the mixed-precision storage
// (half.go): one implementation, round to nearest even, overflow to
// infinity, subnormals kept, NaN kept a NaN.

// halfBits is f rounded to the nearest IEEE binary16 (ties to even).
func halfBits(f float32) uint16 { return HalfBits(FP16, f) }

// halfValue is the value of binary16 bits h.
func halfValue(h uint16) float64 { return float64(HalfValue(FP16, h)) }

// halfBytes encodes v as little-endian binary16 values.
func halfBytes(v []float64) []byte {
	out := make([]byte, 2*len(v))
	for i, x := range v {
		h := halfBits(float32(x))
		out[2*i], out[2*i+1] = byte(h), byte(h>>8)
	}
	return out
}
