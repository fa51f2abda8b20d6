package analysis

import (
	"fmt"
	"math"
)

// AttnLayout says which patch each token of an attention map is: Patch(n,
// t) is the patch index (row-major on a Grid×Grid grid) of token t of
// sample n, or −1 for the cls token.
type AttnLayout struct {
	N, H, S int // samples, heads, tokens
	Grid    int
	Patch   func(n, t int) int
}

func (l AttnLayout) check(fn string, probs []float32) {
	if len(probs) != l.N*l.H*l.S*l.S {
		panic(fmt.Sprintf("analysis: %s: %d probabilities for [%d, %d, %d, %d]", fn, len(probs), l.N, l.H, l.S, l.S))
	}
}

// PatchDistance is the Euclidean distance in patches between patches a and
// b of a grid×grid grid.
func PatchDistance(a, b, grid int) float64 {
	dy, dx := float64(a/grid-b/grid), float64(a%grid-b%grid)
	return math.Hypot(dx, dy)
}

// HeadStats are per-head attention statistics of one layer.
type HeadStats struct {
	// Distance is the mean attention distance in patches: over queries that
	// are patches, Σ_k p_qk·dist(q, k) / Σ_k p_qk with k over patch keys
	// (the cls key left out and the rest renormalized), averaged.
	Distance []float64 `json:"mean_distance"`
	// Entropy is the mean over patch queries of −Σ_k p_qk ln p_qk over all
	// keys, in nats (ln S for uniform attention).
	Entropy []float64 `json:"entropy"`
}

// AttentionStats computes HeadStats from probabilities [N, H, S, S] laid
// out as l says. It panics if the length does not match.
func AttentionStats(probs []float32, l AttnLayout) HeadStats {
	l.check("AttentionStats", probs)
	st := HeadStats{Distance: make([]float64, l.H), Entropy: make([]float64, l.H)}
	cnt := make([]float64, l.H)
	for n := range l.N {
		for h := range l.H {
			for q := range l.S {
				pq := l.Patch(n, q)
				if pq < 0 {
					continue
				}
				row := probs[((n*l.H+h)*l.S+q)*l.S:][:l.S]
				num, den, ent := 0.0, 0.0, 0.0
				for k, p := range row {
					pf := float64(p)
					if pf > 0 {
						ent -= pf * math.Log(pf)
					}
					if pk := l.Patch(n, k); pk >= 0 {
						num += pf * PatchDistance(pq, pk, l.Grid)
						den += pf
					}
				}
				if den > 0 {
					st.Distance[h] += num / den
				}
				st.Entropy[h] += ent
				cnt[h]++
			}
		}
	}
	for h := range l.H {
		st.Distance[h] /= max(cnt[h], 1)
		st.Entropy[h] /= max(cnt[h], 1)
	}
	return st
}

// MaskAttnShare is, for the mask tokens of a decoder layer, where their
// attention goes, by the distance from the query's patch to its nearest
// visible patch (Dist, in patches). Each share is averaged over heads and
// the queries at that distance.
type MaskAttnShare struct {
	Dist         []float64 `json:"distance"`
	Count        []int     `json:"count"`
	Nearest      []float64 `json:"nearest_visible"` // on the visible token(s) nearest the query
	OtherVisible []float64 `json:"other_visible"`   // on the remaining visible tokens
	Masked       []float64 `json:"mask_tokens"`     // on mask tokens (itself included)
	Cls          []float64 `json:"cls"`
}

// MaskAttention computes MaskAttnShare from decoder probabilities [N, H,
// S, S] (token t ≥ 1 is patch t−1) and the mask [N, L] (1 = removed).
func MaskAttention(probs []float32, l AttnLayout, mask []float64) MaskAttnShare {
	l.check("MaskAttention", probs)
	L := l.S - 1
	var b binner
	for n := range l.N {
		m := mask[n*L : (n+1)*L]
		near := NearestVisible(m, l.Grid)
		for q := range L {
			if m[q] == 0 {
				continue
			}
			var sh [4]float64
			for h := range l.H {
				row := probs[((n*l.H+h)*l.S+1+q)*l.S:][:l.S]
				sh[3] += float64(row[0]) / float64(l.H)
				for k := range L {
					p := float64(row[1+k]) / float64(l.H)
					switch {
					case m[k] != 0:
						sh[2] += p
					case PatchDistance(q, k, l.Grid) <= near[q].Dist+1e-9:
						sh[0] += p
					default:
						sh[1] += p
					}
				}
			}
			b.add(near[q].Dist2, sh[:])
		}
	}
	d, c, v := b.means(4)
	return MaskAttnShare{Dist: d, Count: c, Nearest: v[0], OtherVisible: v[1], Masked: v[2], Cls: v[3]}
}
