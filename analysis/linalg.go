package analysis

import (
	"fmt"
	"math"
	"sort"
)

// Matrix is a dense row-major matrix of float64.
type Matrix struct {
	Rows, Cols int
	Data       []float64
}

// NewMatrix wraps data (len rows·cols) as a matrix; it panics on a length
// mismatch.
func NewMatrix(rows, cols int, data []float64) Matrix {
	if rows < 0 || cols < 0 || len(data) != rows*cols {
		panic(fmt.Sprintf("analysis: NewMatrix: %d values for %d×%d", len(data), rows, cols))
	}
	return Matrix{rows, cols, data}
}

// FromFloat32 converts rows·cols float32 values to a Matrix.
func FromFloat32(rows, cols int, v []float32) Matrix {
	d := make([]float64, len(v))
	for i, x := range v {
		d[i] = float64(x)
	}
	return NewMatrix(rows, cols, d)
}

// Row returns row i (sharing memory).
func (m Matrix) Row(i int) []float64 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// Centered returns a copy of m with every column's mean subtracted.
func (m Matrix) Centered() Matrix {
	mean := make([]float64, m.Cols)
	for i := range m.Rows {
		for j, v := range m.Row(i) {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(max(m.Rows, 1))
	}
	out := NewMatrix(m.Rows, m.Cols, make([]float64, len(m.Data)))
	for i := range m.Rows {
		r, o := m.Row(i), out.Row(i)
		for j := range r {
			o[j] = r[j] - mean[j]
		}
	}
	return out
}

// Gram returns mᵀ·m [Cols, Cols].
func (m Matrix) Gram() Matrix {
	c := m.Cols
	g := make([]float64, c*c)
	for i := range m.Rows {
		r := m.Row(i)
		for a, va := range r {
			if va == 0 {
				continue
			}
			ga := g[a*c:]
			for b := a; b < c; b++ {
				ga[b] += va * r[b]
			}
		}
	}
	for a := range c {
		for b := range a {
			g[a*c+b] = g[b*c+a]
		}
	}
	return NewMatrix(c, c, g)
}

// SymEigenvalues returns the eigenvalues of the symmetric matrix s in
// descending order, by cyclic Jacobi rotations (s is not changed).
func SymEigenvalues(s Matrix) []float64 {
	n := s.Rows
	if s.Cols != n {
		panic(fmt.Sprintf("analysis: SymEigenvalues: %d×%d is not square", s.Rows, s.Cols))
	}
	a := append([]float64(nil), s.Data...)
	off := func() (sum float64) {
		for i := range n {
			for j := range n {
				if i != j {
					sum += a[i*n+j] * a[i*n+j]
				}
			}
		}
		return sum
	}
	total := 0.0
	for _, v := range a {
		total += v * v
	}
	for sweep := 0; sweep < 100 && off() > 1e-26*total; sweep++ {
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				apq := a[p*n+q]
				if apq == 0 {
					continue
				}
				theta := (a[q*n+q] - a[p*n+p]) / (2 * apq)
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				sn := t * c
				for k := range n {
					akp, akq := a[k*n+p], a[k*n+q]
					a[k*n+p], a[k*n+q] = c*akp-sn*akq, sn*akp+c*akq
				}
				for k := range n {
					apk, aqk := a[p*n+k], a[q*n+k]
					a[p*n+k], a[q*n+k] = c*apk-sn*aqk, sn*apk+c*aqk
				}
			}
		}
	}
	ev := make([]float64, n)
	for i := range n {
		ev[i] = a[i*n+i]
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(ev)))
	return ev
}

// SingularValues returns the singular values of m in descending order
// (the square roots of the eigenvalues of mᵀ·m; min(Rows, Cols) of them).
func SingularValues(m Matrix) []float64 {
	ev := SymEigenvalues(m.Gram())
	k := min(m.Rows, m.Cols)
	sv := make([]float64, k)
	for i := range k {
		sv[i] = math.Sqrt(math.Max(ev[i], 0))
	}
	return sv
}

// EffectiveRank is the effective rank of Roy and Vetterli (2007) from
// singular values σ:
//
//	p_i = σ_i / Σ_j σ_j
//	erank = exp(−Σ_i p_i ln p_i)
//
// It is 1 for a rank-one matrix and n for n equal singular values; 0 for
// an all-zero matrix.
func EffectiveRank(sv []float64) float64 {
	sum := 0.0
	for _, s := range sv {
		sum += s
	}
	if !(sum > 0) {
		return 0
	}
	h := 0.0
	for _, s := range sv {
		if p := s / sum; p > 0 {
			h -= p * math.Log(p)
		}
	}
	return math.Exp(h)
}
