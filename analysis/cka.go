package analysis

import (
	"fmt"
	"math"
)

// LinearCKA is the linear centered kernel alignment of Kornblith et al.
// (2019) between two representations of the same n examples, x [n, p] and
// y [n, q]:
//
//	X, Y = x, y with column means removed
//	CKA  = ‖YᵀX‖²_F / (‖XᵀX‖_F · ‖YᵀY‖_F)
//
// It is 1 for a representation with itself, invariant to orthogonal
// transforms and isotropic scaling of either side, and near 0 for
// independent random features (with n much larger than p and q). It
// returns NaN when either side is constant. It panics if the row counts
// differ.
func LinearCKA(x, y Matrix) float64 {
	if x.Rows != y.Rows {
		panic(fmt.Sprintf("analysis: LinearCKA: %d rows against %d", x.Rows, y.Rows))
	}
	xc, yc := x.Centered(), y.Centered()
	cross := crossFrob2(yc, xc)
	xx, yy := math.Sqrt(xc.Gram().frob2()), math.Sqrt(yc.Gram().frob2())
	if !(xx > 0 && yy > 0) {
		return math.NaN()
	}
	return cross / (xx * yy)
}

// crossFrob2 is ‖aᵀb‖²_F.
func crossFrob2(a, b Matrix) float64 {
	m := make([]float64, a.Cols*b.Cols)
	for i := range a.Rows {
		ra, rb := a.Row(i), b.Row(i)
		for p, va := range ra {
			if va == 0 {
				continue
			}
			mp := m[p*b.Cols:]
			for q, vb := range rb {
				mp[q] += va * vb
			}
		}
	}
	s := 0.0
	for _, v := range m {
		s += v * v
	}
	return s
}

func (m Matrix) frob2() float64 {
	s := 0.0
	for _, v := range m.Data {
		s += v * v
	}
	return s
}
