package mae

import "fmt"

// DecoderAttentionProbs returns where one token of one sample looked in a
// decoder block during the last forward pass: per head h, the softmax of
// its scaled dot products with every token of the sample,
//
//	P[h][j] = exp(s_j − max s) / Σ_k exp(s_k − max s),   s_j = q_h(query) · k_h(j) / √d_h
//
// over j = 0 (the cls token) … L (patch j−1), for query = 0 … L likewise.
// It takes the query's rows from the probabilities Tap reports (the
// unfused attention path on the device, attention_probs.go) and divides
// each by its float64 sum, so a head's row sums to 1 to float64 precision:
// the viewer's attention overlay. It panics if sample, layer or query is
// out of range.
func (m *Model) DecoderAttentionProbs(sample, layer, query int) ([][]float64, error) {
	sh := m.acts.dec
	if sample < 0 || sample >= sh.n || layer < 0 || layer >= sh.depth || query < 0 || query >= sh.s {
		panic(fmt.Sprintf("mae: DecoderAttentionProbs: sample %d of %d, layer %d of %d, query %d of %d",
			sample, sh.n, layer, sh.depth, query, sh.s))
	}
	all, err := m.attentionProbs(true, layer)
	if err != nil {
		return nil, fmt.Errorf("mae: decoder attention: %w", err)
	}
	probs := make([][]float64, sh.h)
	for hd := range probs {
		row := all[((sample*sh.h+hd)*sh.s+query)*sh.s:][:sh.s]
		p := make([]float64, sh.s)
		var sum float64
		for j, v := range row {
			p[j] = float64(v)
			sum += p[j]
		}
		for j := range p {
			p[j] /= sum
		}
		probs[hd] = p
	}
	return probs, nil
}
