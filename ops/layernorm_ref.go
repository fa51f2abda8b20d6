package ops

import "math"

// DefaultLNEps is the LayerNorm epsilon of the MAE reference
// (partial(nn.LayerNorm, eps=1e-6)).
const DefaultLNEps = 1e-6

// LayerNormRef normalizes each of the rows of x (rows×dim, row-major) over its
// last dimension with PyTorch semantics (biased variance) and returns y with
// the saved per-row mean and reciprocal standard deviation:
//
//	mean_r = (1/dim) Σ_j x[r,j]
//	var_r  = (1/dim) Σ_j (x[r,j] − mean_r)²
//	rstd_r = 1/√(var_r + eps)
//	y[r,j] = (x[r,j] − mean_r) · rstd_r · gamma[j] + beta[j]
//
// It panics if len(x) != rows·dim or gamma or beta is not of length dim.
func LayerNormRef(x, gamma, beta []float64, rows, dim int, eps float64) (y, mean, rstd []float64) {
	checkLen("LayerNormRef", "x", len(x), rows, dim)
	checkLen("LayerNormRef", "gamma", len(gamma), dim)
	checkLen("LayerNormRef", "beta", len(beta), dim)
	y = make([]float64, len(x))
	mean = make([]float64, rows)
	rstd = make([]float64, rows)
	for r := 0; r < rows; r++ {
		xr := x[r*dim : r*dim+dim]
		mu, vr := meanVarRef(xr, 0)
		rs := 1 / math.Sqrt(vr+eps)
		mean[r], rstd[r] = mu, rs
		yr := y[r*dim : r*dim+dim]
		for j, v := range xr {
			yr[j] = (v-mu)*rs*gamma[j] + beta[j]
		}
	}
	return y, mean, rstd
}

// LayerNormBackwardRef returns the gradients of LayerNormRef given dy and the
// saved mean and rstd. With x̂ = (x − mean)·rstd and g = dy·gamma, per row:
//
//	dx[j]     = rstd · (g[j] − mean_k g[k] − x̂[j] · mean_k(g[k]·x̂[k]))
//	dgamma[j] = Σ_r dy[r,j] · x̂[r,j]
//	dbeta[j]  = Σ_r dy[r,j]
//
// It panics if the lengths do not match rows and dim.
func LayerNormBackwardRef(x, gamma, mean, rstd, dy []float64, rows, dim int) (dx, dgamma, dbeta []float64) {
	checkLen("LayerNormBackwardRef", "x", len(x), rows, dim)
	checkLen("LayerNormBackwardRef", "dy", len(dy), rows, dim)
	checkLen("LayerNormBackwardRef", "gamma", len(gamma), dim)
	checkLen("LayerNormBackwardRef", "mean", len(mean), rows)
	checkLen("LayerNormBackwardRef", "rstd", len(rstd), rows)
	dx = make([]float64, len(x))
	dgamma = make([]float64, dim)
	dbeta = make([]float64, dim)
	xhat := make([]float64, dim)
	g := make([]float64, dim)
	for r := 0; r < rows; r++ {
		xr := x[r*dim : r*dim+dim]
		dyr := dy[r*dim : r*dim+dim]
		mg, mgx := 0.0, 0.0
		for j, v := range xr {
			xhat[j] = (v - mean[r]) * rstd[r]
			g[j] = dyr[j] * gamma[j]
			mg += g[j]
			mgx += g[j] * xhat[j]
			dgamma[j] += dyr[j] * xhat[j]
			dbeta[j] += dyr[j]
		}
		mg /= float64(dim)
		mgx /= float64(dim)
		dxr := dx[r*dim : r*dim+dim]
		for j := range dxr {
			dxr[j] = rstd[r] * (g[j] - mg - xhat[j]*mgx)
		}
	}
	return dx, dgamma, dbeta
}
