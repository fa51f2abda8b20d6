package mae

import (
	"fmt"
	"math"
)

// DecoderAttentionProbs returns where one token of one sample looked in a
// decoder block during the last forward pass: per head h, the softmax of
// its scaled dot products with every token of the sample,
//
//	P[h][j] = exp(s_j − max s) / Σ_k exp(s_k − max s),   s_j = q_h(query) · k_h(j) / √d_h
//
// over j = 0 (the cls token) … L (patch j−1), for query = 0 … L likewise.
// It reads the block's saved qkv activation (one sample's rows, from the
// device) and computes the softmax on the host in float64: a small path for
// the viewer's attention overlay, one image at a time. It panics if sample,
// layer or query is out of range.
func (m *Model) DecoderAttentionProbs(sample, layer, query int) ([][]float64, error) {
	sh := m.acts.dec
	if sample < 0 || sample >= sh.n || layer < 0 || layer >= sh.depth || query < 0 || query >= sh.s {
		panic(fmt.Sprintf("mae: DecoderAttentionProbs: sample %d of %d, layer %d of %d, query %d of %d",
			sample, sh.n, layer, sh.depth, query, sh.s))
	}
	d, h := sh.d, sh.h
	dh := d / h
	row := 3 * d
	qkv := make([]float32, sh.s*row)
	if err := m.acts.decB[layer].qkv.ReadFloat32(sample*sh.s*row, qkv); err != nil {
		return nil, fmt.Errorf("mae: decoder attention: %w", err)
	}
	probs := make([][]float64, h)
	scale := 1 / math.Sqrt(float64(dh))
	for hd := range probs {
		q := qkv[query*row+hd*dh : query*row+(hd+1)*dh]
		p := make([]float64, sh.s)
		top := math.Inf(-1)
		for j := range p {
			k := qkv[j*row+d+hd*dh : j*row+d+(hd+1)*dh]
			var dot float64
			for c := range dh {
				dot += float64(q[c]) * float64(k[c])
			}
			p[j] = dot * scale
			top = math.Max(top, p[j])
		}
		var sum float64
		for j := range p {
			p[j] = math.Exp(p[j] - top)
			sum += p[j]
		}
		for j := range p {
			p[j] /= sum
		}
		probs[hd] = p
	}
	return probs, nil
}
