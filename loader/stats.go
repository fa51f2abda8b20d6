package loader

import (
	"fmt"
	"math"
)

// Stats holds per-channel normalization constants: the Transform maps a
// sample v in [0,1] of channel c to (v - Mean[c]) / Std[c].
type Stats struct {
	Mean []float32
	Std  []float32
}

// The functions below return fresh slices on every call, so callers may
// change what they get.

// FashionMNISTStats returns the Fashion-MNIST normalization: 0.2860/0.3530.
func FashionMNISTStats() Stats {
	return Stats{Mean: []float32{0.2860}, Std: []float32{0.3530}}
}

// MNISTStats returns the MNIST normalization: 0.1307/0.3081.
func MNISTStats() Stats {
	return Stats{Mean: []float32{0.1307}, Std: []float32{0.3081}}
}

// ImageNetStats returns the ImageNet normalization used by the MAE recipe
// and here for CIFAR and image folders: mean (0.485, 0.456, 0.406), std
// (0.229, 0.224, 0.225).
func ImageNetStats() Stats {
	return Stats{Mean: []float32{0.485, 0.456, 0.406}, Std: []float32{0.229, 0.224, 0.225}}
}

// Channels returns the number of channels s describes.
func (s Stats) Channels() int { return len(s.Mean) }

// ForChannels returns the statistics for a model with c channels, matching
// the Transform's channel conversion: one gray channel is replicated to
// three, and three RGB channels become one by averaging their means and
// their standard deviations. For ImageNet that gives 0.449/0.226, the values
// commonly used for gray ImageNet models (the luma-weighted mean would be
// 0.459; the plain average is kept for compatibility with them). It returns
// a fresh copy, so callers may change it.
func (s Stats) ForChannels(c int) (Stats, error) {
	have := len(s.Mean)
	if have == 0 || len(s.Std) != have {
		return Stats{}, fmt.Errorf("loader: stats have %d means and %d stds", have, len(s.Std))
	}
	out := Stats{Mean: make([]float32, c), Std: make([]float32, c)}
	switch {
	case have == c:
		copy(out.Mean, s.Mean)
		copy(out.Std, s.Std)
	case have == 1:
		for i := range c {
			out.Mean[i], out.Std[i] = s.Mean[0], s.Std[0]
		}
	case c == 1:
		var m, d float32
		for i := range have {
			m += s.Mean[i]
			d += s.Std[i]
		}
		out.Mean[0], out.Std[0] = m/float32(have), d/float32(have)
	default:
		return Stats{}, fmt.Errorf("loader: cannot convert %d-channel stats to %d channels", have, c)
	}
	return out, nil
}

// Normalize maps x, a C×H×W tensor of [0,1] values with C = s.Channels(), to
// (x - Mean) / Std in place.
func (s Stats) Normalize(x []float32) {
	s.apply(x, false)
}

// Denormalize undoes Normalize in place: x = x*Std + Mean per channel. The
// model uses it to turn a normalized tensor back into a picture.
func (s Stats) Denormalize(x []float32) {
	s.apply(x, true)
}

func (s Stats) apply(x []float32, inverse bool) {
	c := len(s.Mean)
	if c == 0 || len(x)%c != 0 {
		panic(fmt.Sprintf("loader: tensor of %d values does not split into %d channels", len(x), c))
	}
	plane := len(x) / c
	for ch := range c {
		m, d := s.Mean[ch], s.Std[ch]
		p := x[ch*plane : (ch+1)*plane]
		if inverse {
			for i, v := range p {
				p[i] = v*d + m
			}
			continue
		}
		inv := 1 / d
		for i, v := range p {
			p[i] = (v - m) * inv
		}
	}
}

// statsOf measures the mean and standard deviation of 8-bit samples scaled
// to [0,1], for data sets with no published values.
func statsOf(pix []uint8) Stats {
	var hist [256]int64
	for _, v := range pix {
		hist[v]++
	}
	var n, sum, sq float64
	for v, k := range hist {
		f := float64(v) / 255
		n += float64(k)
		sum += f * float64(k)
		sq += f * f * float64(k)
	}
	if n == 0 {
		return Stats{Mean: []float32{0}, Std: []float32{1}}
	}
	mean := sum / n
	variance := sq/n - mean*mean
	std := 1.0
	if variance > 1e-12 {
		std = math.Sqrt(variance)
	}
	return Stats{Mean: []float32{float32(mean)}, Std: []float32{float32(std)}}
}
