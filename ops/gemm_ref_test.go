package ops

import (
	"fmt"
	"testing"
)

// naiveGemm computes the spec element by element straight from its
// definition, reading op(A) and op(B) through index arithmetic.
func naiveGemm(s GemmSpec, a, b, c, bias, res []float64) []float64 {
	out := append([]float64(nil), c...)
	for bt := 0; bt < s.Batch; bt++ {
		for i := 0; i < s.M; i++ {
			for j := 0; j < s.N; j++ {
				acc := 0.0
				for k := 0; k < s.K; k++ {
					var av, bv float64
					if s.TransA {
						av = a[bt*s.StrideA+k*s.M+i]
					} else {
						av = a[bt*s.StrideA+i*s.K+k]
					}
					if s.TransB {
						bv = b[bt*s.StrideB+j*s.K+k]
					} else {
						bv = b[bt*s.StrideB+k*s.N+j]
					}
					acc += av * bv
				}
				ci := bt*s.StrideC + i*s.N + j
				t := s.Alpha*acc + s.Beta*c[ci]
				if s.Bias {
					t += bias[j]
				}
				if s.GELU {
					t = GeluRef([]float64{t})[0]
				}
				if s.Residual {
					t += res[ci]
				}
				out[ci] = t
			}
		}
	}
	return out
}

func TestGemmRefAgainstNaive(t *testing.T) {
	r := newTestRand(1)
	m, n, k, batch := 5, 7, 3, 3
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			for _, ep := range []int{0, 1, 2, 3} {
				s := GemmSpec{
					TransA: ta, TransB: tb, M: m, N: n, K: k, Batch: batch,
					StrideA: m*k + 2, StrideB: 0, StrideC: m * n,
					Alpha: 0.7, Beta: 0.3,
					Bias: ep >= 1, GELU: ep >= 2, Residual: ep >= 3,
				}
				a := randSlice(r, (batch-1)*s.StrideA+m*k)
				b := randSlice(r, k*n)
				c := randSlice(r, batch*m*n)
				bias := randSlice(r, n)
				res := randSlice(r, batch*m*n)
				want := naiveGemm(s, a, b, c, bias, res)
				GemmRef(s, a, b, c, bias, res)
				checkClose(t, fmt.Sprintf("ta=%v tb=%v ep=%d", ta, tb, ep), c, want, 1e-14)
			}
		}
	}
}

func TestGemmRefBetaZeroIgnoresC(t *testing.T) {
	s := GemmSpec{M: 1, N: 1, K: 1, Batch: 1, Alpha: 2}
	c := []float64{nan()}
	GemmRef(s, []float64{3}, []float64{4}, c, nil, nil)
	if c[0] != 24 {
		t.Fatalf("C = %v, want 24", c[0])
	}
}

// TestLinearBackwardViaGemm checks that the three GEMMs of a linear layer's
// backward (and BiasGradRef) are the gradients of its forward:
//
//	y = x·Wᵀ + b,  dx = dy·W,  dW = dyᵀ·x,  db = colsum(dy)
func TestLinearBackwardViaGemm(t *testing.T) {
	r := newTestRand(2)
	rows, in, out := 6, 4, 5
	x, w, bias := randSlice(r, rows*in), randSlice(r, out*in), randSlice(r, out)
	wy := randSlice(r, rows*out)
	fwd := func() float64 {
		y := make([]float64, rows*out)
		GemmRef(GemmSpec{TransB: true, M: rows, N: out, K: in, Batch: 1, Alpha: 1, Bias: true, GELU: true}, x, w, y, bias, nil)
		return dotTest(wy, y)
	}
	// Pre-activation and GELU backward give dz; then the linear backward.
	z := make([]float64, rows*out)
	GemmRef(GemmSpec{TransB: true, M: rows, N: out, K: in, Batch: 1, Alpha: 1, Bias: true}, x, w, z, bias, nil)
	dz := GeluBackwardRef(z, wy)
	dx := make([]float64, rows*in)
	GemmRef(GemmSpec{M: rows, N: in, K: out, Batch: 1, Alpha: 1}, dz, w, dx, nil, nil)
	dw := make([]float64, out*in)
	GemmRef(GemmSpec{TransA: true, M: out, N: in, K: rows, Batch: 1, Alpha: 1}, dz, x, dw, nil, nil)
	db := BiasGradRef(dz, rows, out)
	checkClose(t, "dx", dx, numGrad(x, fwd), gradTol)
	checkClose(t, "dW", dw, numGrad(w, fwd), gradTol)
	checkClose(t, "db", db, numGrad(bias, fwd), gradTol)
}

func TestGemmRefPanicsOnShortSlice(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	GemmRef(GemmSpec{M: 2, N: 2, K: 2, Batch: 1, Alpha: 1}, make([]float64, 3), make([]float64, 4), make([]float64, 4), nil, nil)
}

// BenchmarkGemmRefTiny times a linear layer of the tiny preset at batch 64
// (3328 tokens × 128 → 128); it should take well under a second.
func BenchmarkGemmRefTiny(b *testing.B) {
	r := newTestRand(3)
	m, n, k := 3328, 128, 128
	x, w, y := randSlice(r, m*k), randSlice(r, n*k), make([]float64, m*n)
	for b.Loop() {
		GemmRef(GemmSpec{TransB: true, M: m, N: n, K: k, Batch: 1, Alpha: 1}, x, w, y, nil, nil)
	}
}

// BenchmarkGemmRefTinyBackward times the two backward GEMMs of the same layer:
// dx = dy·W (no transposes) and dW = dyᵀ·x (TransA, K = 3328).
func BenchmarkGemmRefTinyBackward(b *testing.B) {
	r := newTestRand(4)
	m, n, k := 3328, 128, 128
	dy, w, x := randSlice(r, m*n), randSlice(r, n*k), randSlice(r, m*k)
	dx, dw := make([]float64, m*k), make([]float64, n*k)
	for b.Loop() {
		GemmRef(GemmSpec{M: m, N: k, K: n, Batch: 1, Alpha: 1}, dy, w, dx, nil, nil)
		GemmRef(GemmSpec{TransA: true, M: n, N: k, K: m, Batch: 1, Alpha: 1}, dy, x, dw, nil, nil)
	}
}
