package loader

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// RandAugment is timm's RandAugment as the reference configures it
// ("rand-m9-mstd0.5-inc1"): Layers operations drawn uniformly with
// replacement from the 15 "increasing" transforms, each applied with
// probability 1/2 at a magnitude drawn from N(Magnitude, MagStd²) clipped
// to [0, 10]. It works on pixel values in [0, 1] (Apply undoes and redoes
// the normalization); geometric operations sample bilinearly and fill
// with the data set mean.
type RandAugment struct {
	Layers    int     // n, 2 by default
	Magnitude float64 // m, out of 10
	MagStd    float64 // mstd
}

// ParseRandAugment reads a timm RandAugment string: "rand" followed by
// "-m<magnitude>", "-n<layers>", "-mstd<std>" and "-inc1" in any order
// ("inc0" is refused: only the increasing set is implemented). "" and
// "none" return ok false.
func ParseRandAugment(s string) (ra RandAugment, ok bool, err error) {
	if s == "" || s == "none" {
		return ra, false, nil
	}
	parts := strings.Split(s, "-")
	if parts[0] != "rand" {
		return ra, false, fmt.Errorf("RandAugment %q: must start with \"rand\" (e.g. rand-m9-mstd0.5-inc1) or be none", s)
	}
	ra = RandAugment{Layers: 2, Magnitude: 10}
	for _, p := range parts[1:] {
		var v float64
		var perr error
		switch {
		case strings.HasPrefix(p, "mstd"):
			v, perr = strconv.ParseFloat(p[4:], 64)
			ra.MagStd = v
		case strings.HasPrefix(p, "inc"):
			if p != "inc1" {
				return ra, false, fmt.Errorf("RandAugment %q: only inc1 (the increasing transforms) is implemented", s)
			}
		case strings.HasPrefix(p, "m"):
			v, perr = strconv.ParseFloat(p[1:], 64)
			ra.Magnitude = v
		case strings.HasPrefix(p, "n"):
			v, perr = strconv.ParseFloat(p[1:], 64)
			ra.Layers = int(v)
		default:
			return ra, false, fmt.Errorf("RandAugment %q: unknown part %q", s, p)
		}
		if perr != nil || v < 0 {
			return ra, false, fmt.Errorf("RandAugment %q: bad number in %q", s, p)
		}
	}
	return ra, true, nil
}

// raOps are the transforms of timm's _RAND_INCREASING_TRANSFORMS.
var raOps = []string{"AutoContrast", "Equalize", "Invert", "Rotate", "PosterizeIncreasing", "SolarizeIncreasing",
	"SolarizeAdd", "ColorIncreasing", "ContrastIncreasing", "BrightnessIncreasing", "SharpnessIncreasing",
	"ShearX", "ShearY", "TranslateXRel", "TranslateYRel"}

// Apply augments every image of the normalized batch images [N, C, S, S]
// in place; norm is the normalization the loader applied.
func (ra RandAugment) Apply(r *RNG, images []float32, n, c, s int, norm Stats) {
	per := c * s * s
	img := make([]float64, per)
	tmp := make([]float64, per)
	for i := 0; i < n; i++ {
		x := images[i*per : (i+1)*per]
		for ch := 0; ch < c; ch++ {
			for k := 0; k < s*s; k++ {
				img[ch*s*s+k] = float64(x[ch*s*s+k])*float64(norm.Std[ch]) + float64(norm.Mean[ch])
			}
		}
		for l := 0; l < ra.Layers; l++ {
			op := raOps[r.Intn(len(raOps))]
			if r.Float64() >= 0.5 {
				continue
			}
			mag := ra.Magnitude
			if ra.MagStd > 0 {
				mag += ra.MagStd * r.Normal()
			}
			mag = math.Min(10, math.Max(0, mag)) / 10
			applyRAOp(op, mag, r, img, tmp, c, s, norm)
		}
		for ch := 0; ch < c; ch++ {
			for k := 0; k < s*s; k++ {
				x[ch*s*s+k] = float32((img[ch*s*s+k] - float64(norm.Mean[ch])) / float64(norm.Std[ch]))
			}
		}
	}
}

// signed returns v or −v with probability 1/2 each.
func signed(r *RNG, v float64) float64 {
	if r.Float64() < 0.5 {
		return -v
	}
	return v
}

// applyRAOp applies one transform at magnitude mag ∈ [0, 1] to img
// [C, S, S] in [0, 1].
func applyRAOp(op string, mag float64, r *RNG, img, tmp []float64, c, s int, norm Stats) {
	q := func(v float64) float64 { return math.Round(math.Min(1, math.Max(0, v))*255) / 255 }
	switch op {
	case "AutoContrast":
		for ch := 0; ch < c; ch++ {
			p := img[ch*s*s : (ch+1)*s*s]
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, v := range p {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
			if hi > lo {
				for k := range p {
					p[k] = (p[k] - lo) / (hi - lo)
				}
			}
		}
	case "Equalize":
		for ch := 0; ch < c; ch++ {
			equalize(img[ch*s*s : (ch+1)*s*s])
		}
	case "Invert":
		for k := range img {
			img[k] = 1 - img[k]
		}
	case "PosterizeIncreasing":
		bits := 4 - int(mag*4)
		step := math.Pow(2, float64(8-bits))
		for k, v := range img {
			img[k] = math.Floor(q(v)*255/step) * step / 255
		}
	case "SolarizeIncreasing":
		th := (256 - mag*256) / 255
		for k, v := range img {
			if v >= th {
				img[k] = 1 - v
			}
		}
	case "SolarizeAdd":
		add := mag * 110 / 255
		for k, v := range img {
			if v < 128.0/255 {
				img[k] = math.Min(1, v+add)
			}
		}
	case "ColorIncreasing", "ContrastIncreasing", "BrightnessIncreasing", "SharpnessIncreasing":
		f := 1 + signed(r, mag*0.9)
		blend(op, f, img, tmp, c, s)
	case "Rotate", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel":
		affine(op, mag, r, img, tmp, c, s, norm)
	}
	for k, v := range img {
		img[k] = math.Min(1, math.Max(0, v))
	}
}

// equalize is PIL's ImageOps.equalize on one channel in [0, 1] (256
// levels).
func equalize(p []float64) {
	var hist [256]int
	lv := make([]int, len(p))
	for k, v := range p {
		lv[k] = int(math.Round(math.Min(1, math.Max(0, v)) * 255))
		hist[lv[k]]++
	}
	last := 255
	for last > 0 && hist[last] == 0 {
		last--
	}
	step := (len(p) - hist[last]) / 255
	if step == 0 {
		return
	}
	var lut [256]float64
	acc := step / 2
	for i := 0; i < 256; i++ {
		lut[i] = float64(min(acc/step, 255)) / 255
		acc += hist[i]
	}
	for k, l := range lv {
		p[k] = lut[l]
	}
}

// blend is PIL's ImageEnhance: img = degenerate + f·(img − degenerate),
// the degenerate image being the grayscale (Color), the mean gray
// (Contrast), black (Brightness) or a smoothed copy (Sharpness).
func blend(op string, f float64, img, tmp []float64, c, s int) {
	n := s * s
	switch op {
	case "ColorIncreasing":
		if c != 3 {
			return // a gray image has no saturation
		}
		for k := 0; k < n; k++ {
			g := 0.299*img[k] + 0.587*img[n+k] + 0.114*img[2*n+k]
			for ch := 0; ch < 3; ch++ {
				tmp[ch*n+k] = g
			}
		}
	case "ContrastIncreasing":
		mean := 0.0
		for k := 0; k < n; k++ {
			if c == 3 {
				mean += 0.299*img[k] + 0.587*img[n+k] + 0.114*img[2*n+k]
			} else {
				mean += img[k]
			}
		}
		mean /= float64(n)
		for k := range tmp[:c*n] {
			tmp[k] = mean
		}
	case "BrightnessIncreasing":
		for k := range tmp[:c*n] {
			tmp[k] = 0
		}
	case "SharpnessIncreasing": // PIL's SMOOTH kernel [1 1 1; 1 5 1; 1 1 1]/13, border kept
		copy(tmp, img[:c*n])
		for ch := 0; ch < c; ch++ {
			for y := 1; y < s-1; y++ {
				for x := 1; x < s-1; x++ {
					acc := 0.0
					for dy := -1; dy <= 1; dy++ {
						for dx := -1; dx <= 1; dx++ {
							w := 1.0
							if dx == 0 && dy == 0 {
								w = 5
							}
							acc += w * img[ch*n+(y+dy)*s+x+dx]
						}
					}
					tmp[ch*n+y*s+x] = acc / 13
				}
			}
		}
	}
	for k := range img[:c*n] {
		img[k] = tmp[k] + f*(img[k]-tmp[k])
	}
}

// affine applies a rotation, shear or translation about the image center
// by inverse mapping with bilinear sampling; outside pixels take the mean.
func affine(op string, mag float64, r *RNG, img, tmp []float64, c, s int, norm Stats) {
	// Inverse map: source = A·(dest − center) + center + t.
	a, b, cc, d, tx, ty := 1.0, 0.0, 0.0, 1.0, 0.0, 0.0
	switch op {
	case "Rotate":
		th := signed(r, mag*30) * math.Pi / 180
		a, b, cc, d = math.Cos(th), math.Sin(th), -math.Sin(th), math.Cos(th)
	case "ShearX":
		b = signed(r, mag*0.3)
	case "ShearY":
		cc = signed(r, mag*0.3)
	case "TranslateXRel":
		tx = signed(r, mag*0.45) * float64(s)
	case "TranslateYRel":
		ty = signed(r, mag*0.45) * float64(s)
	}
	n, ctr := s*s, float64(s-1)/2
	copy(tmp, img[:c*n])
	for ch := 0; ch < c; ch++ {
		fill := float64(norm.Mean[ch])
		for y := 0; y < s; y++ {
			for x := 0; x < s; x++ {
				dx, dy := float64(x)-ctr, float64(y)-ctr
				sx, sy := a*dx+b*dy+ctr+tx, cc*dx+d*dy+ctr+ty
				img[ch*n+y*s+x] = bilinear(tmp[ch*n:(ch+1)*n], s, sx, sy, fill)
			}
		}
	}
}

func bilinear(p []float64, s int, x, y, fill float64) float64 {
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := x-float64(x0), y-float64(y0)
	at := func(xi, yi int) float64 {
		if xi < 0 || yi < 0 || xi >= s || yi >= s {
			return fill
		}
		return p[yi*s+xi]
	}
	return (1-fy)*((1-fx)*at(x0, y0)+fx*at(x0+1, y0)) + fy*((1-fx)*at(x0, y0+1)+fx*at(x0+1, y0+1))
}
