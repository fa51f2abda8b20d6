package ops

import (
	"math"
	"testing"
)

// naiveAttention splits qkv into per-head Q, K, V matrices, forms the full
// score matrix, normalizes it with an explicit (unshifted) softmax and
// multiplies by V.
func naiveAttention(qkv []float64, b, l, h, d int) (o, lse []float64) {
	o = make([]float64, b*l*h*d)
	lse = make([]float64, b*h*l)
	at := func(n, t, w, hd, e int) float64 { return qkv[n*l*3*h*d+t*3*h*d+w*h*d+hd*d+e] }
	for n := 0; n < b; n++ {
		for hd := 0; hd < h; hd++ {
			p := make([][]float64, l)
			for i := range p {
				p[i] = make([]float64, l)
				z := 0.0
				for j := range p[i] {
					s := 0.0
					for e := 0; e < d; e++ {
						s += at(n, i, 0, hd, e) * at(n, j, 1, hd, e)
					}
					p[i][j] = math.Exp(s / math.Sqrt(float64(d)))
					z += p[i][j]
				}
				lse[n*h*l+hd*l+i] = math.Log(z)
				for j := range p[i] {
					p[i][j] /= z
				}
			}
			for i := 0; i < l; i++ {
				for e := 0; e < d; e++ {
					s := 0.0
					for j := 0; j < l; j++ {
						s += p[i][j] * at(n, j, 2, hd, e)
					}
					o[n*l*h*d+i*h*d+hd*d+e] = s
				}
			}
		}
	}
	return o, lse
}

func TestAttentionRefAgainstNaive(t *testing.T) {
	r := newTestRand(10)
	b, l, h, d := 2, 5, 3, 4
	qkv := randSlice(r, b*l*3*h*d)
	for i := range qkv {
		qkv[i] *= 3 // sharper softmax
	}
	o, lse := AttentionRef(qkv, b, l, h, d)
	wo, wl := naiveAttention(qkv, b, l, h, d)
	checkClose(t, "O", o, wo, 1e-13)
	checkClose(t, "lse", lse, wl, 1e-13)
}

func TestAttentionRefSingleToken(t *testing.T) {
	// With one token the softmax is 1: O = V and lse = q·k/√d.
	qkv := []float64{1, 2, 3, 4, 5, 6} // H=1, d=2: q=(1,2) k=(3,4) v=(5,6)
	o, lse := AttentionRef(qkv, 1, 1, 1, 2)
	checkClose(t, "O", o, []float64{5, 6}, 0)
	checkScalar(t, "lse", lse[0], 11/math.Sqrt2, 1e-15)
}

func TestAttentionBackwardRefFiniteDiff(t *testing.T) {
	r := newTestRand(11)
	b, l, h, d := 2, 4, 2, 3
	qkv := randSlice(r, b*l*3*h*d)
	wo := randSlice(r, b*l*h*d)
	f := func() float64 {
		o, _ := AttentionRef(qkv, b, l, h, d)
		return dotTest(wo, o)
	}
	o, lse := AttentionRef(qkv, b, l, h, d)
	got := AttentionBackwardRef(qkv, o, wo, lse, b, l, h, d)
	checkClose(t, "dqkv", got, numGrad(qkv, f), gradTol)
}
