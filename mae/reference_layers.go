package mae

import "github.com/mae-vk/mae-vk/ops"

// refNet holds the float64 parameters of one Reference call and accumulates
// the gradients of the trainable ones.
type refNet struct {
	cfg   Config
	p     map[string][]float64
	grads map[string][]float64
}

// param returns the named parameter (checked by Reference beforehand).
func (r *refNet) param(name string) []float64 { return r.p[name] }

// addGrad accumulates g into the gradient of the named tensor.
func (r *refNet) addGrad(name string, g []float64) {
	dst := r.grads[name]
	for i, v := range g {
		dst[i] += v
	}
}

// linearForward is nn.Linear on rows×in inputs with weight [out, in]:
//
//	y = x·Wᵀ + b
func linearForward(x, w, b []float64, rows, in, out int) []float64 {
	y := make([]float64, rows*out)
	ops.GemmRef(ops.GemmSpec{TransB: true, M: rows, N: out, K: in, Batch: 1, Alpha: 1, Bias: true}, x, w, y, b, nil)
	return y
}

// linearBackward returns the gradients of linearForward given dy [rows, out]:
//
//	dx = dy·W,  dW = dyᵀ·x,  db = Σ_rows dy
func linearBackward(x, w, dy []float64, rows, in, out int) (dx, dw, db []float64) {
	dx = make([]float64, rows*in)
	ops.GemmRef(ops.GemmSpec{M: rows, N: in, K: out, Batch: 1, Alpha: 1}, dy, w, dx, nil, nil)
	dw = make([]float64, out*in)
	ops.GemmRef(ops.GemmSpec{TransA: true, M: out, N: in, K: rows, Batch: 1, Alpha: 1}, dy, x, dw, nil, nil)
	return dx, dw, ops.BiasGradRef(dy, rows, out)
}

// linear applies the named nn.Linear (name.weight [out, in], name.bias).
func (r *refNet) linear(name string, x []float64, rows, in, out int) []float64 {
	return linearForward(x, r.param(name+".weight"), r.param(name+".bias"), rows, in, out)
}

// linearBack accumulates the named linear layer's weight and bias gradients
// and returns dx; x is the layer's forward input.
func (r *refNet) linearBack(name string, x, dy []float64, rows, in, out int) []float64 {
	dx, dw, db := linearBackward(x, r.param(name+".weight"), dy, rows, in, out)
	r.addGrad(name+".weight", dw)
	r.addGrad(name+".bias", db)
	return dx
}

// lnCache is what a LayerNorm's backward needs from its forward.
type lnCache struct{ x, mean, rstd []float64 }

// layerNorm applies the named nn.LayerNorm over the last dim of rows×dim x.
func (r *refNet) layerNorm(name string, x []float64, rows, dim int) ([]float64, lnCache) {
	y, mean, rstd := ops.LayerNormRef(x, r.param(name+".weight"), r.param(name+".bias"), rows, dim, r.cfg.LNEps)
	return y, lnCache{x, mean, rstd}
}

// layerNormBack accumulates the named LayerNorm's gradients and returns dx.
func (r *refNet) layerNormBack(name string, c lnCache, dy []float64, rows, dim int) []float64 {
	dx, dg, db := ops.LayerNormBackwardRef(c.x, r.param(name+".weight"), c.mean, c.rstd, dy, rows, dim)
	r.addGrad(name+".weight", dg)
	r.addGrad(name+".bias", db)
	return dx
}
