package analysis

import (
	"fmt"
	"math"

	"github.com/mae-vk/mae-vk/ops"
)

// Near is a patch's nearest visible patch.
type Near struct {
	Index int     // the nearest visible patch (lowest index among ties); −1 if none is visible
	Dist2 int     // squared distance in patches
	Dist  float64 // distance in patches (0 for a visible patch)
}

// NearestVisible finds, for every patch of a grid×grid mask [L] (1 =
// removed), its nearest visible patch.
func NearestVisible(mask []float64, grid int) []Near {
	if len(mask) != grid*grid {
		panic(fmt.Sprintf("analysis: NearestVisible: mask of %d for a %d×%d grid", len(mask), grid, grid))
	}
	out := make([]Near, len(mask))
	for q := range mask {
		best := Near{Index: -1, Dist2: math.MaxInt}
		for k, m := range mask {
			if m != 0 {
				continue
			}
			dy, dx := q/grid-k/grid, q%grid-k%grid
			if d2 := dy*dy + dx*dx; d2 < best.Dist2 {
				best = Near{Index: k, Dist2: d2}
			}
		}
		best.Dist = math.Sqrt(float64(best.Dist2))
		out[q] = best
	}
	return out
}

// NearestCopy predicts every masked patch of one image as a copy of its
// nearest visible patch: patches [L, P], mask [L]. Visible patches are
// returned as they are.
func NearestCopy(patches []float64, mask []float64, grid int) []float64 {
	l := len(mask)
	p := len(patches) / max(l, 1)
	out := append([]float64(nil), patches...)
	for q, nr := range NearestVisible(mask, grid) {
		if mask[q] != 0 && nr.Index >= 0 {
			copy(out[q*p:(q+1)*p], patches[nr.Index*p:(nr.Index+1)*p])
		}
	}
	return out
}

// InverseDistance predicts every masked patch of one image by global
// interpolation of all visible patches with weights 1/d² (d the distance
// in patches): patches [L, P], mask [L].
func InverseDistance(patches []float64, mask []float64, grid int) []float64 {
	l := len(mask)
	p := len(patches) / max(l, 1)
	out := append([]float64(nil), patches...)
	for q := range l {
		if mask[q] == 0 {
			continue
		}
		dst := out[q*p : (q+1)*p]
		clear(dst)
		wsum := 0.0
		for k := range l {
			if mask[k] != 0 {
				continue
			}
			d := PatchDistance(q, k, grid)
			w := 1 / (d * d)
			wsum += w
			for e := range dst {
				dst[e] += w * patches[k*p+e]
			}
		}
		for e := range dst {
			dst[e] /= max(wsum, 1e-300)
		}
	}
	return out
}

// normRows normalizes each row of x [rows, p] by its mean and unbiased
// variance, exactly as the norm-pix target is.
func normRows(x []float64, p int) []float64 {
	return ops.NormPixTargetRef(x, 1, len(x)/p, p)
}

// ReconInput is one batch of reconstructions: the true patches [N, L, P]
// in pixel space (normalized images, patchified), the model's predictions
// [N, L, P] (in the target space) and the mask [N, L].
type ReconInput struct {
	N, L, P, Grid int
	Patch         int // pixels per patch side; P = Patch²·C
	Channels      int
	NormPix       bool // predictions are per-patch normalized (norm-pix loss)
	Patches, Pred []float64
	Mask          []float64
}

// DistanceCurve is the mean squared error of masked patches (per pixel, in
// the target space) by distance to the nearest visible patch.
type DistanceCurve struct {
	Dist    []float64 `json:"distance"`
	Count   []int     `json:"count"`
	Model   []float64 `json:"model"`
	Copy    []float64 `json:"nearest_copy"`
	IDW     []float64 `json:"inverse_distance"`
	Trivial []float64 `json:"trivial"`
}

// Q5Result compares the model with the baselines on all masked patches
// and on interior ones (not on the image's border row or column).
type Q5Result struct {
	All      DistanceCurve `json:"all"`
	Interior DistanceCurve `json:"interior"`
	// Means over all masked patches, as the error of each predictor.
	MeanModel   float64 `json:"mean_model"`
	MeanCopy    float64 `json:"mean_nearest_copy"`
	MeanIDW     float64 `json:"mean_inverse_distance"`
	MeanTrivial float64 `json:"mean_trivial"`
}

// CompareBaselines measures Q5. In the target space: with norm-pix, every
// prediction is compared with the per-patch normalized truth and the
// baselines are normalized the same way (which is what un-normalizing them
// with the true patch's statistics amounts to), the trivial predictor is 0
// (the true patch mean); without it, pixels are compared as they are and
// the trivial predictor is the mean of the image's visible pixels.
func CompareBaselines(in ReconInput) Q5Result {
	var all, inner binner
	var tot [4]float64
	cnt := 0
	lp := in.L * in.P
	for n := range in.N {
		pt := in.Patches[n*lp : (n+1)*lp]
		mk := in.Mask[n*in.L : (n+1)*in.L]
		pr := in.Pred[n*lp : (n+1)*lp]
		cp, idw := NearestCopy(pt, mk, in.Grid), InverseDistance(pt, mk, in.Grid)
		target := pt
		trivial := make([]float64, lp)
		if in.NormPix {
			target, cp, idw = normRows(pt, in.P), normRows(cp, in.P), normRows(idw, in.P)
		} else {
			mean, c := 0.0, 0
			for q, m := range mk {
				if m == 0 {
					for _, v := range pt[q*in.P : (q+1)*in.P] {
						mean += v
					}
					c += in.P
				}
			}
			for i := range trivial {
				trivial[i] = mean / float64(max(c, 1))
			}
		}
		near := NearestVisible(mk, in.Grid)
		for q, m := range mk {
			if m == 0 {
				continue
			}
			s := q * in.P
			e := [4]float64{mse(pr[s:s+in.P], target[s:s+in.P]), mse(cp[s:s+in.P], target[s:s+in.P]),
				mse(idw[s:s+in.P], target[s:s+in.P]), mse(trivial[s:s+in.P], target[s:s+in.P])}
			all.add(near[q].Dist2, e[:])
			gy, gx := q/in.Grid, q%in.Grid
			if gy > 0 && gx > 0 && gy < in.Grid-1 && gx < in.Grid-1 {
				inner.add(near[q].Dist2, e[:])
			}
			for i := range tot {
				tot[i] += e[i]
			}
			cnt++
		}
	}
	curve := func(b *binner) DistanceCurve {
		d, c, v := b.means(4)
		return DistanceCurve{Dist: d, Count: c, Model: v[0], Copy: v[1], IDW: v[2], Trivial: v[3]}
	}
	c := float64(max(cnt, 1))
	return Q5Result{All: curve(&all), Interior: curve(&inner),
		MeanModel: tot[0] / c, MeanCopy: tot[1] / c, MeanIDW: tot[2] / c, MeanTrivial: tot[3] / c}
}

func mse(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s / float64(max(len(a), 1))
}

// InPatchError is Q2's map: the mean squared error of masked pixels (in
// the target space) at each position inside a patch, [Patch, Patch],
// averaged over channels and masked patches.
func InPatchError(in ReconInput) []float64 {
	m := make([]float64, in.Patch*in.Patch)
	cnt := 0
	lp := in.L * in.P
	for n := range in.N {
		pt := in.Patches[n*lp : (n+1)*lp]
		target := pt
		if in.NormPix {
			target = normRows(pt, in.P)
		}
		for q := range in.L {
			if in.Mask[n*in.L+q] == 0 {
				continue
			}
			cnt++
			for e := range in.P {
				d := in.Pred[n*lp+q*in.P+e] - target[q*in.P+e]
				m[e/in.Channels] += d * d / float64(in.Channels)
			}
		}
	}
	for i := range m {
		m[i] /= float64(max(cnt, 1))
	}
	return m
}

// EdgeCentre splits an in-patch map [p, p] into the mean over the border
// pixels of the patch and over the rest (the centre); for p ≤ 2 every
// pixel is on the border and centre is NaN.
func EdgeCentre(m []float64, p int) (edge, centre float64) {
	var se, sc float64
	var ne, nc int
	for r := range p {
		for c := range p {
			if r == 0 || c == 0 || r == p-1 || c == p-1 {
				se += m[r*p+c]
				ne++
			} else {
				sc += m[r*p+c]
				nc++
			}
		}
	}
	if nc == 0 {
		return se / float64(max(ne, 1)), math.NaN()
	}
	return se / float64(ne), sc / float64(nc)
}
