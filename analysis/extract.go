package analysis

import (
	"fmt"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
)

// Pooling names how a probe reads an image's tokens.
const (
	PoolCls  = "cls"  // the cls token of norm(encoder(x)), as the reference's linear probe
	PoolMean = "mean" // the mean of the patch tokens of norm(encoder(x))
)

// ExtractBatch is the most images one feature forward pass holds.
const ExtractBatch = 128

// Extract runs the frozen encoder of p without masking with o over the
// images and returns one feature vector per image [N, D], pooled as pool
// says. The last batch is padded with zero images.
func Extract(o *ops.Ops, p *mae.Params, im *Images, pool string) (Features, error) {
	return ExtractGroup(o, p, im, pool, nil)
}

// ExtractGroup is Extract split over the processes of g (nil: one
// process): process r runs the batches r, r+N, … and the features are
// summed over g, each image's coming from one process and zeros from the
// others, so every process returns what one process would. Every process
// of g must call it alike.
func ExtractGroup(o *ops.Ops, p *mae.Params, im *Images, pool string, g mae.Group) (Features, error) {
	if pool != PoolCls && pool != PoolMean {
		return Features{}, fmt.Errorf("--features %q: want %s or %s", pool, PoolCls, PoolMean)
	}
	cfg := p.Config
	batch := min(ExtractBatch, im.N)
	m, in, release, err := newModel(o, p, batch, true)
	if err != nil {
		return Features{}, err
	}
	defer release()
	d, l := cfg.EncDim, cfg.NumPatches()
	plane := cfg.Channels * cfg.ImageSize * cfg.ImageSize
	f := Features{N: im.N, Dim: d, Classes: im.Classes, X: make([]float32, im.N*d), Y: im.Labels}
	mk := mae.IdentityMasking(batch, l)
	x := make([]float32, batch*plane)
	rank, size := 0, 1
	if g != nil {
		rank, size = g.Rank(), g.Size()
	}
	for lo := rank * batch; lo < im.N; lo += size * batch {
		hi := min(lo+batch, im.N)
		clear(x)
		copy(x, im.Pixels[lo*plane:hi*plane])
		lat, err := m.Encode(in, x, mk)
		if err != nil {
			return Features{}, err
		}
		for i := range hi - lo {
			tok := lat[i*(1+l)*d : (i+1)*(1+l)*d]
			dst := f.X[(lo+i)*d : (lo+i+1)*d]
			if pool == PoolCls {
				copy(dst, tok[:d])
				continue
			}
			for t := 1; t <= l; t++ {
				for j := range d {
					dst[j] += tok[t*d+j] / float32(l)
				}
			}
		}
	}
	if g != nil {
		if err := g.SumFloat32(fmt.Sprintf("features of %s", im.Name), f.X); err != nil {
			return Features{}, err
		}
	}
	return f, nil
}

// PixelFeatures are the raw normalized pixels of the images, the
// baseline a representation must beat.
func PixelFeatures(im *Images, cfg mae.Config) Features {
	plane := cfg.Channels * cfg.ImageSize * cfg.ImageSize
	return Features{N: im.N, Dim: plane, Classes: im.Classes, X: im.Pixels, Y: im.Labels}
}
