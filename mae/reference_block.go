package mae

import "github.com/mae-vk/mae-vk/ops"

// blockShape is the geometry of a transformer block applied to n sequences of
// t tokens.
type blockShape struct {
	n, t, dim, heads, hidden int
	// dropAttn and dropMLP are per-sample drop-path scales [n] of the two
	// residual branches (ops.DropPathRef); nil for none.
	dropAttn, dropMLP []float64
}

func (s blockShape) rows() int { return s.n * s.t }

// blockCache holds the activations a block's backward needs.
type blockCache struct {
	ln1    lnCache
	norm1  []float64 // norm1(x)
	qkv    []float64 // [n, t, 3, heads, dim/heads]
	o      []float64 // attention output [n, t, dim]
	lse    []float64 // [n, heads, t]
	ln2    lnCache
	norm2  []float64 // norm2(x1)
	hidden []float64 // fc1 output before GELU
	act    []float64 // GELU(hidden)
}

// blockForward is timm's Block as the reference builds it (qkv_bias=True, no
// dropout, no layer scale):
//
//	x1 = x  + proj(attn(norm1(x)))
//	y  = x1 + fc2(gelu(fc1(norm2(x1))))
func (r *refNet) blockForward(prefix string, s blockShape, x []float64) ([]float64, *blockCache) {
	c := &blockCache{}
	rows, d := s.rows(), s.dim
	c.norm1, c.ln1 = r.layerNorm(prefix+"norm1", x, rows, d)
	c.qkv = r.linear(prefix+"attn.qkv", c.norm1, rows, d, 3*d)
	c.o, c.lse = ops.AttentionRef(c.qkv, s.n, s.t, s.heads, d/s.heads)
	x1 := s.residual(x, r.linear(prefix+"attn.proj", c.o, rows, d, d), s.dropAttn)
	c.norm2, c.ln2 = r.layerNorm(prefix+"norm2", x1, rows, d)
	c.hidden = r.linear(prefix+"mlp.fc1", c.norm2, rows, d, s.hidden)
	c.act = ops.GeluRef(c.hidden)
	return s.residual(x1, r.linear(prefix+"mlp.fc2", c.act, rows, s.hidden, d), s.dropMLP), c
}

// residual is x + branch, the branch scaled per sample when scale is set.
func (s blockShape) residual(x, branch, scale []float64) []float64 {
	if scale == nil {
		return ops.AddRef(x, branch)
	}
	return ops.DropPathRef(x, branch, scale, s.n, s.t*s.dim)
}

// branchGrad is the gradient reaching a residual branch from dy.
func (s blockShape) branchGrad(dy, scale []float64) []float64 {
	if scale == nil {
		return dy
	}
	return ops.DropPathBackwardRef(dy, scale, s.n, s.t*s.dim)
}

// blockBackward accumulates the block's parameter gradients and returns dx
// given dy.
func (r *refNet) blockBackward(prefix string, s blockShape, c *blockCache, dy []float64) []float64 {
	rows, d := s.rows(), s.dim
	dAct := r.linearBack(prefix+"mlp.fc2", c.act, s.branchGrad(dy, s.dropMLP), rows, s.hidden, d)
	dHidden := ops.GeluBackwardRef(c.hidden, dAct)
	dNorm2 := r.linearBack(prefix+"mlp.fc1", c.norm2, dHidden, rows, d, s.hidden)
	dx1 := ops.AddRef(dy, r.layerNormBack(prefix+"norm2", c.ln2, dNorm2, rows, d))
	dO := r.linearBack(prefix+"attn.proj", c.o, s.branchGrad(dx1, s.dropAttn), rows, d, d)
	dQKV := ops.AttentionBackwardRef(c.qkv, c.o, dO, c.lse, s.n, s.t, s.heads, d/s.heads)
	dNorm1 := r.linearBack(prefix+"attn.qkv", c.norm1, dQKV, rows, d, 3*d)
	return ops.AddRef(dx1, r.layerNormBack(prefix+"norm1", c.ln1, dNorm1, rows, d))
}
