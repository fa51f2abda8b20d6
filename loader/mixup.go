package loader

import (
	"fmt"
	"math"
)

// Mixup is timm's Mixup in batch mode as main_finetune.py builds it: with
// probability Prob the batch is mixed with itself reversed, by cutmix
// (with probability SwitchProb when both are on) or by mixup; the targets
// become the λ-weighted, label-smoothed one-hot rows of both samples.
// MixupAlpha or CutmixAlpha 0 turns that kind off; both 0 leaves images
// unchanged and only smooths the labels.
type Mixup struct {
	MixupAlpha, CutmixAlpha float64 // Beta(α, α) for λ; 0.8 and 1.0 in the reference
	Prob, SwitchProb        float64 // 1.0 and 0.5 in the reference
	Smoothing               float64 // label smoothing, 0.1
	Classes                 int
}

// Apply mixes images [N, C, S, S] in place and returns the soft targets
// [N, Classes] and λ (1 when nothing was mixed). Sample i is mixed with
// sample N−1−i:
//
//	mixup:   x[i] = λ·x[i] + (1 − λ)·x[N−1−i]
//	cutmix:  a box of area (1 − λ)·S² (clipped, λ then recomputed from the
//	         clipped area) copied from x[N−1−i]
//	target:  λ·smooth(y[i]) + (1 − λ)·smooth(y[N−1−i]),
//	         smooth(y) = 1 − ε + ε/K at y, ε/K elsewhere
//
// The images must be copied first when they belong to a loader batch
// that other readers share; it panics on shape mismatches or a label
// outside [0, Classes).
func (m Mixup) Apply(r *RNG, images []float32, labels []int32, c, s int, targets []float32) float64 {
	n := len(labels)
	if len(images) != n*c*s*s || len(targets) != n*m.Classes {
		panic(fmt.Sprintf("loader: Mixup.Apply: %d image values, %d targets for %d samples of %d×%d×%d, %d classes", len(images), len(targets), n, c, s, s, m.Classes))
	}
	lam := 1.0
	if m.MixupAlpha > 0 || m.CutmixAlpha > 0 {
		if r.Float64() < m.Prob {
			cut := m.CutmixAlpha > 0 && (m.MixupAlpha <= 0 || r.Float64() < m.SwitchProb)
			if cut {
				lam = r.Beta(m.CutmixAlpha, m.CutmixAlpha)
				lam = cutmix(r, images, n, c, s, lam)
			} else {
				lam = r.Beta(m.MixupAlpha, m.MixupAlpha)
				mixImages(images, n, c*s*s, lam)
			}
		}
	}
	k := m.Classes
	off := m.Smoothing / float64(k)
	on := 1 - m.Smoothing + off
	for i := 0; i < n; i++ {
		a, b := int(labels[i]), int(labels[n-1-i])
		if a < 0 || a >= k || b < 0 || b >= k {
			panic(fmt.Sprintf("loader: Mixup.Apply: label %d or %d outside [0, %d)", a, b, k))
		}
		row := targets[i*k : (i+1)*k]
		for j := range row {
			row[j] = float32(off)
		}
		row[a] += float32(lam * (on - off))
		row[b] += float32((1 - lam) * (on - off))
	}
	return lam
}

// mixImages blends every sample with its mirror in the batch. Pairs
// (i, N−1−i) are updated together so that both read the originals.
func mixImages(x []float32, n, per int, lam float64) {
	l, ml := float32(lam), float32(1-lam)
	for i := 0; i < n/2; i++ {
		j := n - 1 - i
		a, b := x[i*per:(i+1)*per], x[j*per:(j+1)*per]
		for e := range a {
			va, vb := a[e], b[e]
			a[e], b[e] = l*va+ml*vb, l*vb+ml*va
		}
	}
}

// cutmix swaps one box between every pair of mirrored samples and returns
// λ corrected to the clipped box (timm's cutmix_bbox_and_lam).
func cutmix(r *RNG, x []float32, n, c, s int, lam float64) float64 {
	ratio := math.Sqrt(1 - lam)
	ch, cw := int(float64(s)*ratio), int(float64(s)*ratio)
	cy, cx := r.Intn(s), r.Intn(s)
	y0, y1 := clampInt(cy-ch/2, 0, s), clampInt(cy+ch/2, 0, s)
	x0, x1 := clampInt(cx-cw/2, 0, s), clampInt(cx+cw/2, 0, s)
	per := c * s * s
	for i := 0; i < n/2; i++ {
		j := n - 1 - i
		for ch := 0; ch < c; ch++ {
			for y := y0; y < y1; y++ {
				for xx := x0; xx < x1; xx++ {
					o := ch*s*s + y*s + xx
					x[i*per+o], x[j*per+o] = x[j*per+o], x[i*per+o]
				}
			}
		}
	}
	return 1 - float64((y1-y0)*(x1-x0))/float64(s*s)
}

func clampInt(v, lo, hi int) int { return min(max(v, lo), hi) }
