package viewer

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/mae"
)

// dataset is where the rows' images come from, with the eval transform of
// the model (resize and center crop, channels, normalization).
type dataset struct {
	src   loader.Source
	tr    *loader.Transform
	stats loader.Stats
	name  string
	img   loader.Image
}

// openData opens the data set spec (default: Fashion-MNIST for 1-channel
// models) with the normalization training used: the train split's.
func openData(spec, split string, cfg mae.Config) (*dataset, error) {
	if spec == "" {
		if cfg.Channels != 1 {
			return nil, fmt.Errorf("--data: required for a %d-channel model: give a data set path", cfg.Channels)
		}
		spec = "fashion-mnist"
	}
	quiet := loader.Options{Warn: func(string) {}}
	src, err := loader.Open(spec, split, quiet)
	if err != nil {
		return nil, fmt.Errorf("--data %s: %w", spec, err)
	}
	stats := src.Stats()
	if train, err := loader.Open(spec, "train", quiet); err == nil {
		stats = train.Stats()
	}
	if stats, err = stats.ForChannels(cfg.Channels); err != nil {
		return nil, fmt.Errorf("--data %s: %w", spec, err)
	}
	tr, err := loader.NewTransform(cfg.ImageSize, cfg.Channels, loader.AugmentNone, stats)
	if err != nil {
		return nil, err
	}
	return &dataset{src: src, tr: tr, stats: stats, name: src.Name()}, nil
}

// load returns item i, transformed, and a name for it.
func (d *dataset) load(i int) ([]float32, string, error) {
	out := make([]float32, d.tr.Channels*d.tr.Size*d.tr.Size)
	if _, err := d.src.Load(i, &d.img); err != nil {
		return nil, "", err
	}
	if err := d.tr.Apply(out, &d.img, nil); err != nil {
		return nil, "", err
	}
	return out, fmt.Sprintf("%s #%d", d.name, i), nil
}

// loadFile decodes a picture and transforms it as mae-vk reconstruct does.
func (d *dataset) loadFile(path string) ([]float32, string, error) {
	path = strings.TrimSpace(path)
	var img loader.Image
	if err := loader.DecodeFile(path, &img); err != nil {
		return nil, "", err
	}
	if min(img.W, img.H) < d.tr.Size {
		return nil, "", fmt.Errorf("%s: %d×%d pixels, smaller than the model's %d×%d input", path, img.W, img.H, d.tr.Size, d.tr.Size)
	}
	out := make([]float32, d.tr.Channels*d.tr.Size*d.tr.Size)
	if err := d.tr.Apply(out, &img, nil); err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return out, filepath.Base(path), nil
}
