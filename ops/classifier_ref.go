package ops

// HeadRefCache is what ClassifierHeadBackwardRef needs from
// ClassifierHeadRef.
type HeadRefCache struct {
	Pooled, Normed, Mean, Rstd []float64
}

// ClassifierHeadRef is models_vit's global-pool head on tokens x
// [N, T, D] (see ClassifierHead): the mean of tokens 1..T−1, LayerNorm
// (normW, normB, eps), then the linear head (headW [C, D], headB [C]).
func ClassifierHeadRef(x, normW, normB, headW, headB []float64, n, t, d, c int, eps float64) (logits []float64, cache HeadRefCache) {
	cache.Pooled = MeanPoolRef(x, n, t, d, 1)
	cache.Normed, cache.Mean, cache.Rstd = LayerNormRef(cache.Pooled, normW, normB, n, d, eps)
	logits = make([]float64, n*c)
	GemmRef(GemmSpec{M: n, N: c, K: d, Batch: 1, Alpha: 1, TransB: true, Bias: true}, cache.Normed, headW, logits, headB, nil)
	return logits, cache
}

// HeadRefGrads are the gradients of ClassifierHeadRef.
type HeadRefGrads struct {
	DX, DNormW, DNormB, DHeadW, DHeadB []float64
}

// ClassifierHeadBackwardRef returns the gradients of ClassifierHeadRef
// given dlogits [N, C].
func ClassifierHeadBackwardRef(cache HeadRefCache, normW, headW, dlogits []float64, n, t, d, c int) HeadRefGrads {
	var g HeadRefGrads
	g.DHeadW = make([]float64, c*d)
	GemmRef(GemmSpec{M: c, N: d, K: n, Batch: 1, Alpha: 1, TransA: true}, dlogits, cache.Normed, g.DHeadW, nil, nil)
	g.DHeadB = BiasGradRef(dlogits, n, c)
	dNormed := make([]float64, n*d)
	GemmRef(GemmSpec{M: n, N: d, K: c, Batch: 1, Alpha: 1}, dlogits, headW, dNormed, nil, nil)
	var dPooled []float64
	dPooled, g.DNormW, g.DNormB = LayerNormBackwardRef(cache.Pooled, normW, cache.Mean, cache.Rstd, dNormed, n, d)
	g.DX = MeanPoolBackwardRef(dPooled, n, t, d, 1)
	return g
}
