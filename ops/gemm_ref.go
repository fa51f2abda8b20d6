package ops

import "fmt"

// GemmSpec describes one strided batched matrix product in row-major storage
// together with its fused epilogue. For every batch index b in [0, Batch):
//
//	A_b = a[b·StrideA:]   op(A_b) is M×K (stored M×K, or K×M when TransA)
//	B_b = b[b·StrideB:]   op(B_b) is K×N (stored K×N, or N×K when TransB)
//	C_b = c[b·StrideC:]   M×N, and R_b = residual[b·StrideC:] likewise
//
//	t[i,j] = Alpha · Σ_k op(A_b)[i,k] · op(B_b)[k,j] + Beta · C_b[i,j]
//	t[i,j] = t[i,j] + bias[j]         if Bias
//	t[i,j] = gelu(t[i,j])             if GELU (exact erf form)
//	C_b[i,j] = t[i,j] + R_b[i,j]      if Residual, else t[i,j]
//
// Leading dimensions are implied by the shapes (each stored matrix is dense).
// A stride of 0 shares one matrix across the batch (e.g. a weight). As in BLAS,
// C is not read when Beta is 0, so it may hold garbage. The zero value of
// Alpha is 0: set it to 1 for a plain product.
type GemmSpec struct {
	TransA, TransB bool
	M, N, K        int
	Batch          int
	StrideA        int
	StrideB        int
	StrideC        int
	Alpha, Beta    float64

	Bias     bool // add bias[j] (one value per output column)
	GELU     bool // apply exact GELU after the bias
	Residual bool // add residual after the activation

	// AType, BType and CType are how A, B and C are stored on the device
	// (Gemm only; the zero value is FP32). The 16-bit formats in one
	// product must agree, and a 16-bit C needs 16-bit A and B. Bias and
	// residual are always fp32.
	AType, BType, CType Precision
}

// GemmRef computes the product and epilogue that s describes, writing C in
// place; bias (length N) and residual (laid out like c) are read only when the
// matching epilogue flag is set and may be nil otherwise. Accumulation is in
// float64. residual may alias c only when Beta is 0.
//
//	C = epilogue(Alpha·op(A)·op(B) + Beta·C)
//
// GemmRef panics with an "ops:" message if a dimension is negative, Batch < 1,
// a stride is negative, or a slice is too short for the spec.
func GemmRef(s GemmSpec, a, b, c, bias, residual []float64) {
	s.check("GemmRef", len(a), len(b), len(c), len(bias), len(residual))
	m, n, k := s.M, s.N, s.K
	arow := make([]float64, k)
	acc := make([]float64, n)
	for bt := 0; bt < s.Batch; bt++ {
		ab := a[bt*s.StrideA:]
		bb := b[bt*s.StrideB:]
		cb := c[bt*s.StrideC:]
		for i := 0; i < m; i++ {
			// Row i of op(A), gathered so that the inner loops run over
			// contiguous memory whatever the transposes.
			if s.TransA {
				for kk := 0; kk < k; kk++ {
					arow[kk] = ab[kk*m+i]
				}
			} else {
				copy(arow, ab[i*k:i*k+k])
			}
			if s.TransB {
				// op(B)[k,j] = B[j,k]: a dot product per output column.
				for j := 0; j < n; j++ {
					acc[j] = dot(arow, bb[j*k:j*k+k])
				}
			} else {
				clear(acc)
				for kk, av := range arow {
					brow := bb[kk*n : kk*n+n]
					acc := acc[:len(brow)] // lets the compiler drop bounds checks
					for j, bv := range brow {
						acc[j] += av * bv
					}
				}
			}
			crow := cb[i*n : i*n+n]
			var rrow []float64
			if s.Residual {
				rrow = residual[bt*s.StrideC+i*n : bt*s.StrideC+i*n+n]
			}
			for j := range crow {
				t := s.Alpha * acc[j]
				if s.Beta != 0 {
					t += s.Beta * crow[j]
				}
				if s.Bias {
					t += bias[j]
				}
				if s.GELU {
					t = gelu(t)
				}
				if s.Residual {
					t += rrow[j]
				}
				crow[j] = t
			}
		}
	}
}

// check panics unless the spec is well formed and the slices are long enough.
func (s GemmSpec) check(fn string, la, lb, lc, lbias, lres int) {
	if s.M < 0 || s.N < 0 || s.K < 0 {
		panic(fmt.Sprintf("ops: %s: negative dimension M=%d N=%d K=%d", fn, s.M, s.N, s.K))
	}
	if s.Batch < 1 {
		panic(fmt.Sprintf("ops: %s: Batch = %d, want ≥ 1", fn, s.Batch))
	}
	if s.StrideA < 0 || s.StrideB < 0 || s.StrideC < 0 {
		panic(fmt.Sprintf("ops: %s: negative stride A=%d B=%d C=%d", fn, s.StrideA, s.StrideB, s.StrideC))
	}
	need := func(what string, have, stride, size int) {
		if want := (s.Batch-1)*stride + size; size > 0 && have < want {
			panic(fmt.Sprintf("ops: %s: len(%s) = %d, want ≥ %d", fn, what, have, want))
		}
	}
	need("a", la, s.StrideA, s.M*s.K)
	need("b", lb, s.StrideB, s.K*s.N)
	need("c", lc, s.StrideC, s.M*s.N)
	if s.Bias && lbias < s.N {
		panic(fmt.Sprintf("ops: %s: len(bias) = %d, want ≥ %d", fn, lbias, s.N))
	}
	if s.Residual {
		need("residual", lres, s.StrideC, s.M*s.N)
	}
}

// BiasGradRef returns the gradient of a per-column bias: the column sums of
// dy, a rows×cols row-major matrix.
//
//	db[j] = Σ_i dy[i,j]
//
// It panics if len(dy) != rows·cols or a dimension is negative.
func BiasGradRef(dy []float64, rows, cols int) []float64 {
	checkLen("BiasGradRef", "dy", len(dy), rows, cols)
	db := make([]float64, cols)
	for i := 0; i < rows; i++ {
		for j, v := range dy[i*cols : i*cols+cols] {
			db[j] += v
		}
	}
	return db
}
