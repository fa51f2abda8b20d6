package loader

import (
	"fmt"
	"math"
)

// box is a rectangle of source pixels: columns [x, x+w), rows [y, y+h).
type box struct{ x, y, w, h int }

// randomResizedCrop draws a crop the way torchvision's
// RandomResizedCrop.get_params does: up to ten times, draw an area fraction
// uniformly from scale and an aspect ratio (w/h) log-uniformly from ratio,
// and keep the first crop that fits, placed uniformly; otherwise fall back
// to the largest center crop with the ratio clamped into range.
func randomResizedCrop(rng *RNG, width, height int, scale, ratio [2]float64) box {
	area := float64(width * height)
	logLo, logHi := math.Log(ratio[0]), math.Log(ratio[1])
	for range 10 {
		target := area * rng.Uniform(scale[0], scale[1])
		aspect := math.Exp(rng.Uniform(logLo, logHi))
		w := int(math.RoundToEven(math.Sqrt(target * aspect)))
		h := int(math.RoundToEven(math.Sqrt(target / aspect)))
		if 0 < w && w <= width && 0 < h && h <= height {
			y := rng.Intn(height - h + 1)
			x := rng.Intn(width - w + 1)
			return box{x: x, y: y, w: w, h: h}
		}
	}
	inRatio := float64(width) / float64(height)
	w, h := width, height
	switch {
	case inRatio < ratio[0]:
		h = int(math.RoundToEven(float64(w) / ratio[0]))
	case inRatio > ratio[1]:
		w = int(math.RoundToEven(float64(h) * ratio[1]))
	}
	return box{x: (width - w) / 2, y: (height - h) / 2, w: w, h: h}
}

// evalGeometry returns the eval transform of a width×height picture for a
// size×size model input: the picture is resized to rw×rh and the size×size
// square at (x, y) of the result is kept.
//
// A picture whose shorter side is already size is not resized (so 28-pixel
// MNIST with a 28-pixel model is untouched); otherwise the shorter side is
// resized to size*256/224 (256 for 224, as in the MAE recipe) and the
// longer side in proportion, both truncated like torchvision's Resize. The
// crop is centered with torchvision's CenterCrop rounding. A picture whose
// shorter side is below size is an error wrapping ErrTooSmall: the eval
// transform does not invent pixels.
func evalGeometry(width, height, size int) (rw, rh, x, y int, err error) {
	short, long := width, height
	if short > long {
		short, long = long, short
	}
	if short < size {
		return 0, 0, 0, 0, fmt.Errorf("%w: %d×%d pixels, crop %d: use an --image-size of at most %d, --augment mae (training), or drop the picture", ErrTooSmall, width, height, size, short)
	}
	target := short
	if short != size {
		target = size * 256 / 224
	}
	newLong := target * long / short
	rw, rh = target, newLong
	if width > height {
		rw, rh = newLong, target
	}
	x = int(math.RoundToEven(float64(rw-size) / 2))
	y = int(math.RoundToEven(float64(rh-size) / 2))
	return rw, rh, x, y, nil
}
