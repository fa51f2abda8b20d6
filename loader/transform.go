package loader

import (
	"fmt"
	"strings"
)

// Augment selects the training-time augmentation.
type Augment int

const (
	// AugmentNone is the eval transform: resize and center crop (see
	// evalGeometry); no randomness.
	AugmentNone Augment = iota
	// AugmentMAE is the MAE pre-training recipe: RandomResizedCrop
	// (scale 0.2–1, ratio 3/4–4/3, bicubic) and a random horizontal flip.
	AugmentMAE
)

// ParseAugment turns "none" or "mae" into an Augment.
func ParseAugment(s string) (Augment, error) {
	switch strings.ToLower(s) {
	case "none":
		return AugmentNone, nil
	case "mae":
		return AugmentMAE, nil
	}
	return 0, fmt.Errorf("unknown augmentation %q: use none or mae", s)
}

// String returns the name ParseAugment accepts.
func (a Augment) String() string {
	if a == AugmentMAE {
		return "mae"
	}
	return "none"
}

// Transform turns a decoded Image into the model's input: a C×S×S float32
// tensor, planar, normalized per channel. In order:
//
//	gray = 0.299 R + 0.587 G + 0.114 B    (RGB picture, 1-channel model)
//	crop and resize to S×S, bicubic       (RandomResizedCrop, or resize + center crop)
//	flip left-right with probability 1/2  (AugmentMAE only)
//	x = clamp(v/255, 0, 1)                (ToTensor)
//	gray replicated to R, G, B            (gray picture, 3-channel model)
//	x = (x - Mean[c]) / Std[c]            (Normalize)
//
// A Transform keeps scratch buffers: it is not safe for concurrent use, and
// each goroutine needs its own (see Clone).
type Transform struct {
	Size     int        // S, the side of the output square
	Channels int        // C, 1 or 3
	Augment  Augment    // AugmentNone or AugmentMAE
	Norm     Stats      // per output channel
	Scale    [2]float64 // RandomResizedCrop area fraction range, [0.2, 1]
	Ratio    [2]float64 // RandomResizedCrop aspect ratio range, [3/4, 4/3]

	rs   resampler
	gray Image
}

// NewTransform returns a Transform to size×size with channels channels
// (1 or 3), the augmentation aug and the normalization norm, which must have
// channels channels (see Stats.ForChannels).
func NewTransform(size, channels int, aug Augment, norm Stats) (*Transform, error) {
	if size <= 0 {
		return nil, fmt.Errorf("loader: image size %d: must be positive", size)
	}
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("loader: %d channels: the model must have 1 or 3", channels)
	}
	if norm.Channels() != channels || len(norm.Std) != channels {
		return nil, fmt.Errorf("loader: normalization for %d channels, model has %d", norm.Channels(), channels)
	}
	for _, d := range norm.Std {
		if !(d > 0) {
			return nil, fmt.Errorf("loader: normalization std %v: must be positive", d)
		}
	}
	return &Transform{
		Size: size, Channels: channels, Augment: aug, Norm: norm,
		Scale: [2]float64{0.2, 1.0},
		Ratio: [2]float64{3.0 / 4.0, 4.0 / 3.0},
	}, nil
}

// Clone returns a Transform with the same settings and its own scratch.
func (t *Transform) Clone() *Transform {
	return &Transform{Size: t.Size, Channels: t.Channels, Augment: t.Augment, Norm: t.Norm, Scale: t.Scale, Ratio: t.Ratio}
}

// Reserve sizes the scratch for pictures of up to h×w pixels, so that
// later calls of Apply allocate nothing.
func (t *Transform) Reserve(h, w int) {
	s := t.Size
	t.rs.xt.start, t.rs.xt.count = grow(t.rs.xt.start, s), grow(t.rs.xt.count, s)
	t.rs.yt.start, t.rs.yt.count = grow(t.rs.yt.start, s), grow(t.rs.yt.count, s)
	t.rs.xt.w = grow(t.rs.xt.w, s*tapsStride(max(w, h), s))
	t.rs.yt.w = grow(t.rs.yt.w, s*tapsStride(max(w, h), s))
	t.rs.tmp = grow(t.rs.tmp, h*s)
	t.rs.row = grow(t.rs.row, w)
	t.gray.Reset(1, h, w)
}

// Apply writes the transformed img into dst, which must hold
// Channels*Size*Size values (it panics otherwise). rng drives the
// augmentation; AugmentNone does not use it. The error, for AugmentNone
// only, wraps ErrTooSmall when img is smaller than the crop.
func (t *Transform) Apply(dst []float32, img *Image, rng *RNG) error {
	s := t.Size
	plane := s * s
	if len(dst) != t.Channels*plane {
		panic(fmt.Sprintf("loader: Transform.Apply: dst has %d values, want %d×%d×%d", len(dst), t.Channels, s, s))
	}
	if img.C != 1 && img.C != 3 {
		return fmt.Errorf("picture has %d channels, want 1 or 3", img.C)
	}
	src := img
	if img.C == 3 && t.Channels == 1 {
		luma(&t.gray, img)
		src = &t.gray
	}

	flip := false
	if t.Augment == AugmentMAE {
		b := randomResizedCrop(rng, src.W, src.H, t.Scale, t.Ratio)
		t.rs.xt.compute(b.x, b.w, s, 0, s)
		t.rs.yt.compute(b.y, b.h, s, 0, s)
		flip = rng.Float64() < 0.5
	} else {
		rw, rh, x, y, err := evalGeometry(src.W, src.H, s)
		if err != nil {
			return err
		}
		t.rs.xt.compute(0, src.W, rw, x, s)
		t.rs.yt.compute(0, src.H, rh, y, s)
	}

	for c := range src.C {
		t.rs.plane(dst[c*plane:(c+1)*plane], src.Plane(c), src.W)
	}
	for c := src.C; c < t.Channels; c++ {
		copy(dst[c*plane:(c+1)*plane], dst[:plane])
	}
	for c := range t.Channels {
		finish(dst[c*plane:(c+1)*plane], s, flip, t.Norm.Mean[c], t.Norm.Std[c])
	}
	return nil
}

// finish maps one plane of 0..255 values to normalized [0,1] values, and
// mirrors its rows when flip is set.
func finish(p []float32, side int, flip bool, mean, std float32) {
	const inv255 = 1.0 / 255
	k := 1 / std
	for i, v := range p {
		v *= inv255
		v = min(max(v, 0), 1)
		p[i] = (v - mean) * k
	}
	if !flip {
		return
	}
	for y := range side {
		row := p[y*side : (y+1)*side]
		for i, j := 0, side-1; i < j; i, j = i+1, j-1 {
			row[i], row[j] = row[j], row[i]
		}
	}
}

// luma converts an RGB picture to gray with the ITU-R 601 weights, rounded
// as PIL's convert("L") does.
func luma(dst *Image, src *Image) {
	dst.Reset(1, src.H, src.W)
	r, g, b := src.Plane(0), src.Plane(1), src.Plane(2)
	for i := range dst.Pix {
		dst.Pix[i] = uint8((299*uint32(r[i]) + 587*uint32(g[i]) + 114*uint32(b[i]) + 500) / 1000)
	}
}
