package analysis

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/mae"
)

// Images are labelled images prepared for a model: [N, C, S, S],
// normalized with the data set's statistics.
type Images struct {
	N, Classes int
	Pixels     []float32
	Labels     []int32
	Name       string // e.g. "fashion-mnist/test"
	Stats      loader.Stats
}

// LoadImages reads n images (0, or more than the split holds: every full
// batch of 256, or the whole split when it is smaller) of a split of a
// data set with the eval transform for model cfg, in a seeded random
// order (so that a subset holds every class). Errors name the --data flag.
func LoadImages(ctx context.Context, data, split string, cfg mae.Config, n int, seed uint64) (*Images, error) {
	src, err := loader.Open(data, split, loader.Options{Warn: func(string) {}})
	if err != nil {
		return nil, fmt.Errorf("--data %s: %w", data, err)
	}
	if n < 0 {
		return nil, fmt.Errorf("--data %s: %d images asked for", data, n)
	}
	n = min(n, src.Len()) // a small split is used whole
	batch := min(256, src.Len())
	if n > 0 {
		batch = min(batch, n)
	}
	ld, err := loader.NewLoader(ctx, src, loader.Config{
		BatchSize: batch, Size: cfg.ImageSize, Channels: cfg.Channels,
		Augment: loader.AugmentNone, Shuffle: true, Seed: seed, Epochs: 1, Warn: func(string) {},
	})
	if err != nil {
		return nil, fmt.Errorf("--data %s: %w", data, err)
	}
	defer ld.Close()
	plane := cfg.Channels * cfg.ImageSize * cfg.ImageSize
	im := &Images{Classes: src.NumClasses(), Name: src.Name(), Stats: src.Stats()}
	for n == 0 || im.N < n {
		b, err := ld.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("--data %s: %w", data, err)
		}
		take := len(b.Labels)
		if n > 0 {
			take = min(take, n-im.N)
		}
		im.Pixels = append(im.Pixels, b.Images[:take*plane]...)
		im.Labels = append(im.Labels, b.Labels[:take]...)
		im.N += take
		b.Release()
	}
	if im.N == 0 {
		return nil, fmt.Errorf("--data %s: no images read from the %s split", data, split)
	}
	return im, nil
}
