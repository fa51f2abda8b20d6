package ops

import (
	"math"
	"testing"
)

func TestHalfBits(t *testing.T) {
	cases := []struct {
		f    float32
		want uint16
	}{
		{1, 0x3c00}, {-2, 0xc000}, {0.1, 0x2e66}, {65504, 0x7bff}, {65520, 0x7c00}, {1e6, 0x7c00},
		{1e-7, 0x0002}, {5.960464477539063e-08, 0x0001}, {2.9e-8, 0x0000}, {0, 0},
		{1 + 1.0/2048, 0x3c00}, {1 + 3.0/2048, 0x3c02}, // ties to even
		{float32(math.Inf(-1)), 0xfc00},
	}
	for _, c := range cases {
		if got := halfBits(c.f); got != c.want {
			t.Errorf("halfBits(%g) = %#04x, want %#04x", c.f, got, c.want)
		}
	}
	if h := halfBits(float32(math.NaN())); h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
		t.Errorf("NaN became %#04x", h)
	}
	for h := 0; h < 0x7c00; h++ { // every finite half survives the round trip
		if got := halfBits(float32(halfValue(uint16(h)))); got != uint16(h) {
			t.Fatalf("round trip of %#04x gave %#04x", h, got)
		}
	}
}
