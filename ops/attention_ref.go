package ops

import (
	"fmt"
	"math"
)

// attnShape holds the sizes of a multi-head self-attention and the index
// arithmetic of its layouts.
type attnShape struct{ b, l, h, d int }

func newAttnShape(fn string, b, l, h, d int) attnShape {
	if b < 0 || l < 1 || h < 1 || d < 1 {
		panic(fmt.Sprintf("ops: %s: bad shape B=%d L=%d H=%d d=%d", fn, b, l, h, d))
	}
	return attnShape{b, l, h, d}
}

// qkv is the offset of head hd of part w (0 q, 1 k, 2 v) of token t of sample
// n in the fused [B, L, 3, H, d] layout.
func (s attnShape) qkv(n, t, w, hd int) int { return (((n*s.l+t)*3+w)*s.h + hd) * s.d }

// o is the offset of head hd of token t of sample n in the [B, L, H, d] layout.
func (s attnShape) o(n, t, hd int) int { return ((n*s.l+t)*s.h + hd) * s.d }

// lse is the offset of the row of query t of head hd of sample n in [B, H, L].
func (s attnShape) lse(n, hd, t int) int { return (n*s.h+hd)*s.l + t }

// AttentionRef is multi-head self-attention reading Q, K and V straight from
// the fused projection layout qkv [B, L, 3, H, d] (the reference's
// qkv.reshape(B, L, 3, H, d)). It returns O [B, L, H, d] (which is [B, L, H·d]
// ready for the output projection) and the per-row log-sum-exp lse [B, H, L]:
//
//	s_ij  = (q_i · k_j) / √d
//	lse_i = ln Σ_j exp(s_ij)
//	o_i   = Σ_j exp(s_ij − lse_i) · v_j
//
// It panics if len(qkv) != B·L·3·H·d or a size is not positive (B may be 0).
func AttentionRef(qkv []float64, b, l, h, d int) (o, lse []float64) {
	s := newAttnShape("AttentionRef", b, l, h, d)
	checkLen("AttentionRef", "qkv", len(qkv), b, l, 3, h, d)
	o = make([]float64, b*l*h*d)
	lse = make([]float64, b*h*l)
	scale := 1 / math.Sqrt(float64(d))
	sc := make([]float64, l)
	for n := 0; n < b; n++ {
		for hd := 0; hd < h; hd++ {
			for i := 0; i < l; i++ {
				q := qkv[s.qkv(n, i, 0, hd):][:d]
				mx := math.Inf(-1)
				for j := 0; j < l; j++ {
					sc[j] = scale * dot(q, qkv[s.qkv(n, j, 1, hd):][:d])
					mx = math.Max(mx, sc[j])
				}
				sum := 0.0
				for j := range sc {
					sc[j] = math.Exp(sc[j] - mx)
					sum += sc[j]
				}
				lse[s.lse(n, hd, i)] = mx + math.Log(sum)
				oi := o[s.o(n, i, hd):][:d]
				for j, p := range sc {
					p /= sum
					v := qkv[s.qkv(n, j, 2, hd):][:d]
					for e := range oi {
						oi[e] += p * v[e]
					}
				}
			}
		}
	}
	return o, lse
}

// AttentionBackwardRef returns dqkv [B, L, 3, H, d] for AttentionRef given the
// forward's qkv, O and lse and the output gradient dO [B, L, H, d]:
//
//	p_ij  = exp(s_ij − lse_i)
//	D_i   = dO_i · o_i
//	ds_ij = p_ij · (dO_i · v_j − D_i)
//	dq_i  = (1/√d) Σ_j ds_ij · k_j
//	dk_j  = (1/√d) Σ_i ds_ij · q_i
//	dv_j  = Σ_i p_ij · dO_i
//
// It panics if a length does not match the shape.
func AttentionBackwardRef(qkv, o, dO, lse []float64, b, l, h, d int) []float64 {
	s := newAttnShape("AttentionBackwardRef", b, l, h, d)
	checkLen("AttentionBackwardRef", "qkv", len(qkv), b, l, 3, h, d)
	checkLen("AttentionBackwardRef", "o", len(o), b, l, h, d)
	checkLen("AttentionBackwardRef", "dO", len(dO), b, l, h, d)
	checkLen("AttentionBackwardRef", "lse", len(lse), b, h, l)
	dqkv := make([]float64, len(qkv))
	scale := 1 / math.Sqrt(float64(d))
	for n := 0; n < b; n++ {
		for hd := 0; hd < h; hd++ {
			for i := 0; i < l; i++ {
				q := qkv[s.qkv(n, i, 0, hd):][:d]
				doi := dO[s.o(n, i, hd):][:d]
				di := dot(doi, o[s.o(n, i, hd):][:d])
				li := lse[s.lse(n, hd, i)]
				dq := dqkv[s.qkv(n, i, 0, hd):][:d]
				for j := 0; j < l; j++ {
					k := qkv[s.qkv(n, j, 1, hd):][:d]
					v := qkv[s.qkv(n, j, 2, hd):][:d]
					p := math.Exp(scale*dot(q, k) - li)
					ds := p * (dot(doi, v) - di)
					dk := dqkv[s.qkv(n, j, 1, hd):][:d]
					dv := dqkv[s.qkv(n, j, 2, hd):][:d]
					for e := 0; e < d; e++ {
						dq[e] += scale * ds * k[e]
						dk[e] += scale * ds * q[e]
						dv[e] += p * doi[e]
					}
				}
			}
		}
	}
	return dqkv
}
