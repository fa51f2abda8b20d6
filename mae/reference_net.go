package mae

// RefNet exposes the float64 reference's layers for models built from the
// MAE's pieces (the fine-tuning classifier): it reads parameters by
// reference name and accumulates the gradient of every tensor it is given
// a gradient for.
type RefNet struct{ r *refNet }

// RefBlockShape is the geometry of a reference transformer block applied to
// N sequences of T tokens, with optional per-sample drop-path scales [N]
// on its attention and MLP branches (nil: none).
type RefBlockShape struct {
	N, T, Dim, Heads, Hidden int
	DropAttn, DropMLP        []float64
}

// RefBlockCache is what RefNet.BlockBackward needs from RefNet.Block.
type RefBlockCache struct{ c *blockCache }

// NewRefNet returns a reference network over params (by name) with
// LayerNorm epsilon lnEps; grads maps the name of every tensor whose
// gradient is wanted to a zero slice of its length.
func NewRefNet(lnEps float64, params, grads map[string][]float64) *RefNet {
	return &RefNet{r: &refNet{cfg: Config{LNEps: lnEps}, p: params, grads: grads}}
}

// Block is timm's Block (see Reference): x [N·T, Dim] → y.
func (n *RefNet) Block(prefix string, s RefBlockShape, x []float64) ([]float64, RefBlockCache) {
	y, c := n.r.blockForward(prefix, s.shape(), x)
	return y, RefBlockCache{c}
}

// BlockBackward accumulates the block's parameter gradients and returns
// dx given dy.
func (n *RefNet) BlockBackward(prefix string, s RefBlockShape, c RefBlockCache, dy []float64) []float64 {
	return n.r.blockBackward(prefix, s.shape(), c.c, dy)
}

func (s RefBlockShape) shape() blockShape {
	return blockShape{n: s.N, t: s.T, dim: s.Dim, heads: s.Heads, hidden: s.Hidden, dropAttn: s.DropAttn, dropMLP: s.DropMLP}
}
