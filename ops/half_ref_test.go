package ops

import (
	"math"
	"testing"
)

// halfEdgeValues are the values where 16-bit conversions go wrong:
// signed zeros, ties at both parities, the largest finite values and the
// overflow boundary, subnormals of both formats, Inf and NaN.
func halfEdgeValues() []float32 {
	v := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 0.1, 1.0 / 3,
		65504, 65519.99, 65520, 70000, -65520, 6.1035156e-05, 6.0e-8, 2.9802322e-08, 2.99e-8, 1e-9, 3e-5, -4.5e-6,
		1 + 1.0/2048, 1 + 3.0/2048, 1 + 1.0/256, 1 + 3.0/256, 1 + 1.0/512, 3.3895314e38, 3.4028235e38, 1e-39, -1e-40,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	r := newTestRand(5)
	for i := 0; i < 2000; i++ {
		x := math.Float32frombits(r.Uint32())
		v = append(v, x, float32((2*r.Float64()-1)*math.Pow(2, float64(r.IntN(40)-30))))
	}
	return v
}

// sameFloat reports a == b, counting every NaN equal to every NaN.
func sameFloat(a, b float64) bool {
	return a == b && math.Signbit(a) == math.Signbit(b) || math.IsNaN(a) && math.IsNaN(b)
}

// TestHalfBitsMatchRoundRef checks the bit conversions (the shaders' copy)
// against the value-based rounding reference, exactly.
func TestHalfBitsMatchRoundRef(t *testing.T) {
	for _, p := range []Precision{FP16, BF16} {
		bad := 0
		for _, v := range halfEdgeValues() {
			got := float64(HalfValue(p, HalfBits(p, v)))
			want := RoundHalfRef(p, float64(v))
			if !sameFloat(got, want) && bad < 10 {
				bad++
				t.Errorf("%v: %g (%#08x) → %g, want %g", p, v, math.Float32bits(v), got, want)
			}
		}
	}
}

func TestRoundHalfRefKnownValues(t *testing.T) {
	for _, c := range []struct {
		p       Precision
		in, out float64
	}{
		{FP16, 65519.99, 65504}, {FP16, 65520, math.Inf(1)}, {FP16, 1 + 1.0/2048, 1}, {FP16, 1 + 3.0/2048, 1 + 4.0/2048},
		{FP16, math.Pow(2, -25), 0}, {FP16, 1.5 * math.Pow(2, -24), math.Pow(2, -23)},
		{BF16, 1 + 1.0/256, 1}, {BF16, 1 + 3.0/256, 1 + 4.0/256}, {BF16, 0.1, 0.10009765625},
	} {
		if got := RoundHalfRef(c.p, c.in); got != c.out {
			t.Errorf("RoundHalfRef(%v, %g) = %g, want %g", c.p, c.in, got, c.out)
		}
	}
}

func TestParsePrecision(t *testing.T) {
	for _, p := range Precisions {
		if got, err := ParsePrecision(p.String()); err != nil || got != p {
			t.Errorf("ParsePrecision(%q) = %v, %v", p.String(), got, err)
		}
	}
	if _, err := ParsePrecision("fp8"); err == nil {
		t.Error("fp8 accepted")
	}
}
