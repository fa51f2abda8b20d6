package ops

import "fmt"

// eachIndex calls f(s, j, id) for each index id = ids[s·cols+j] of n
// samples of cols indices, in order, after checking that 0 ≤ id < limit
// (it panics otherwise, naming fn).
func eachIndex(fn string, ids []int32, n, cols, limit int, f func(s, j, id int)) {
	for s := 0; s < n; s++ {
		for j := 0; j < cols; j++ {
			v := ids[s*cols+j]
			if v < 0 || int(v) >= limit {
				panic(fmt.Sprintf("ops: %s: index %d out of range [0, %d)", fn, v, limit))
			}
			f(s, j, int(v))
		}
	}
}

// GatherTokensRef keeps the visible tokens of each sample: from x [N, L, D]
// and idsKeep [N, Lk] it returns [N, Lk, D] (the reference's
// torch.gather(x, 1, ids_keep)):
//
//	y[n,k,:] = x[n, idsKeep[n,k], :]
//
// It panics on a length mismatch or an index outside [0, L).
func GatherTokensRef(x []float64, idsKeep []int32, n, l, lk, d int) []float64 {
	checkLen("GatherTokensRef", "x", len(x), n, l, d)
	checkLen("GatherTokensRef", "idsKeep", len(idsKeep), n, lk)
	y := make([]float64, n*lk*d)
	eachIndex("GatherTokensRef", idsKeep, n, lk, l, func(s, k, id int) {
		copy(y[(s*lk+k)*d:][:d], x[(s*l+id)*d:][:d])
	})
	return y
}

// GatherTokensBackwardRef is the adjoint of GatherTokensRef: it scatter-adds
// dy [N, Lk, D] back into a zero [N, L, D]:
//
//	dx[n, idsKeep[n,k], :] += dy[n,k,:]
//
// It panics on a length mismatch or an index outside [0, L).
func GatherTokensBackwardRef(dy []float64, idsKeep []int32, n, l, lk, d int) []float64 {
	checkLen("GatherTokensBackwardRef", "dy", len(dy), n, lk, d)
	checkLen("GatherTokensBackwardRef", "idsKeep", len(idsKeep), n, lk)
	dx := make([]float64, n*l*d)
	eachIndex("GatherTokensBackwardRef", idsKeep, n, lk, l, func(s, k, id int) {
		dst := dx[(s*l+id)*d:][:d]
		for e, v := range dy[(s*lk+k)*d:][:d] {
			dst[e] += v
		}
	})
	return dx
}

// UnshuffleRef builds the decoder input: from x [N, 1+Lk, D] (class token
// first, then the Lk visible tokens in kept order), the mask token [D] and
// idsRestore [N, L] it returns [N, 1+L, D], as the reference's
// cat(x[:, :1], gather(cat(x[:, 1:], mask_tokens), 1, ids_restore)):
//
//	y[n,0,:]   = x[n,0,:]
//	y[n,1+j,:] = x[n, 1+r, :]    if r = idsRestore[n,j] < Lk
//	y[n,1+j,:] = mask            otherwise
//
// It panics on a length mismatch or an index outside [0, L).
func UnshuffleRef(x, mask []float64, idsRestore []int32, n, l, lk, d int) []float64 {
	checkLen("UnshuffleRef", "x", len(x), n, 1+lk, d)
	checkLen("UnshuffleRef", "mask", len(mask), d)
	checkLen("UnshuffleRef", "idsRestore", len(idsRestore), n, l)
	y := make([]float64, n*(1+l)*d)
	for s := 0; s < n; s++ {
		copy(y[s*(1+l)*d:][:d], x[s*(1+lk)*d:][:d])
	}
	eachIndex("UnshuffleRef", idsRestore, n, l, l, func(s, j, r int) {
		dst := y[(s*(1+l)+1+j)*d:][:d]
		if r < lk {
			copy(dst, x[(s*(1+lk)+1+r)*d:][:d])
		} else {
			copy(dst, mask)
		}
	})
	return y
}

// UnshuffleBackwardRef returns the gradients of UnshuffleRef given dy
// [N, 1+L, D]: dx [N, 1+Lk, D] (class row passed through, visible rows
// gathered back) and dmask [D], the sum of dy over all masked positions:
//
//	dx[n,0,:]   = dy[n,0,:]
//	dx[n,1+r,:] = dy[n,1+j,:]        for r = idsRestore[n,j] < Lk
//	dmask       = Σ_{n,j: idsRestore[n,j] ≥ Lk} dy[n,1+j,:]
//
// It panics on a length mismatch or an index outside [0, L).
func UnshuffleBackwardRef(dy []float64, idsRestore []int32, n, l, lk, d int) (dx, dmask []float64) {
	checkLen("UnshuffleBackwardRef", "dy", len(dy), n, 1+l, d)
	checkLen("UnshuffleBackwardRef", "idsRestore", len(idsRestore), n, l)
	dx = make([]float64, n*(1+lk)*d)
	dmask = make([]float64, d)
	for s := 0; s < n; s++ {
		copy(dx[s*(1+lk)*d:][:d], dy[s*(1+l)*d:][:d])
	}
	eachIndex("UnshuffleBackwardRef", idsRestore, n, l, l, func(s, j, r int) {
		dst := dmask
		if r < lk {
			dst = dx[(s*(1+lk)+1+r)*d:][:d]
		}
		for e, v := range dy[(s*(1+l)+1+j)*d:][:d] {
			dst[e] += v
		}
	})
	return dx, dmask
}
