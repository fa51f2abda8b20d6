package mae

import (
	"fmt"
	"math"
)

// SinCosPosEmbed2D returns the fixed 2-D sine-cosine position embedding of
// the reference's get_2d_sincos_pos_embed(dim, grid, cls_token=cls), as a
// row-major [T, dim] table with T = grid² (+1 with cls, whose row 0 is
// zeros). Token t = y·grid + x (patch row y, column x) gets
//
//	row[0 : dim/2]   = emb1d(x)     (the reference's np.meshgrid(grid_w, grid_h)
//	row[dim/2 : dim] = emb1d(y)      puts the column index first)
//	emb1d(pos)[k]        = sin(pos·ω_k)   k < dim/4
//	emb1d(pos)[dim/4+k]  = cos(pos·ω_k)
//	ω_k = 1 / 10000^(k/(dim/4))          (= 10000^(−2k/(dim/2)))
//
// computed in float64 like the reference's numpy code. It panics unless dim
// is a positive multiple of 4 and grid ≥ 1.
func SinCosPosEmbed2D(dim, grid int, cls bool) []float64 {
	if dim <= 0 || dim%4 != 0 || grid < 1 {
		panic(fmt.Sprintf("mae: SinCosPosEmbed2D: dim %d must be a positive multiple of 4 and grid %d ≥ 1", dim, grid))
	}
	first := 0
	if cls {
		first = 1
	}
	out := make([]float64, (first+grid*grid)*dim)
	half := dim / 2
	for y := 0; y < grid; y++ {
		for x := 0; x < grid; x++ {
			row := out[(first+y*grid+x)*dim:][:dim]
			sinCos1D(row[:half], float64(x))
			sinCos1D(row[half:], float64(y))
		}
	}
	return out
}

// sinCos1D writes the 1-D embedding of pos into out (even length 2F): F sines
// then F cosines of pos·ω_k, ω_k = 1/10000^(k/F).
func sinCos1D(out []float64, pos float64) {
	f := len(out) / 2
	for k := 0; k < f; k++ {
		omega := 1 / math.Pow(10000, float64(k)/float64(f))
		out[k] = math.Sin(pos * omega)
		out[f+k] = math.Cos(pos * omega)
	}
}
