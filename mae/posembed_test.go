package mae

import (
	"math"
	"testing"
)

func TestSinCosPosEmbed2DHand(t *testing.T) {
	// dim 8, grid 2: each half is a 1-D embedding of width 4 with the two
	// frequencies ω = (1, 1/10000^(1/2)) = (1, 0.01): (sin x, sin 0.01x, cos x,
	// cos 0.01x). Token t = row·2 + col; the first half encodes the column.
	pe := SinCosPosEmbed2D(8, 2, true)
	if len(pe) != 5*8 {
		t.Fatalf("len = %d, want 40", len(pe))
	}
	s1, s01, c1, c01 := math.Sin(1), math.Sin(0.01), math.Cos(1), math.Cos(0.01)
	want := [][]float64{
		{0, 0, 0, 0, 0, 0, 0, 0},             // cls
		{0, 0, 1, 1, 0, 0, 1, 1},             // row 0, col 0
		{s1, s01, c1, c01, 0, 0, 1, 1},       // row 0, col 1
		{0, 0, 1, 1, s1, s01, c1, c01},       // row 1, col 0
		{s1, s01, c1, c01, s1, s01, c1, c01}, // row 1, col 1
	}
	for r, row := range want {
		for e, w := range row {
			if got := pe[r*8+e]; math.Abs(got-w) > 1e-15 {
				t.Errorf("pe[%d][%d] = %v, want %v", r, e, got, w)
			}
		}
	}
}

func TestSinCosPosEmbed2DHalves(t *testing.T) {
	// Without cls, grid 3, dim 16: the first half of token (y, x) depends
	// only on x and the second only on y; frequency k of width-8 halves is
	// 1/10000^(k/4).
	d, g := 16, 3
	pe := SinCosPosEmbed2D(d, g, false)
	row := func(y, x int) []float64 { return pe[(y*g+x)*d:][:d] }
	for y := 0; y < g; y++ {
		for x := 0; x < g; x++ {
			for e := 0; e < d/2; e++ {
				if row(y, x)[e] != row(0, x)[e] || row(y, x)[d/2+e] != row(y, 0)[d/2+e] {
					t.Fatalf("token (%d,%d) channel %d mixes row and column", y, x, e)
				}
			}
		}
	}
	if got, want := row(0, 2)[1], math.Sin(2/math.Pow(10000, 0.25)); math.Abs(got-want) > 1e-15 {
		t.Errorf("sin(2·ω_1) = %v, want %v", got, want)
	}
	if got, want := row(2, 0)[d/2+4+3], math.Cos(2/math.Pow(10000, 0.75)); math.Abs(got-want) > 1e-15 {
		t.Errorf("cos(2·ω_3) = %v, want %v", got, want)
	}
}
