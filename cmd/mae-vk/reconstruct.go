package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/mae"
	"github.com/urfave/cli/v2"
)

func reconstructCommand() *cli.Command {
	return &cli.Command{
		Name:      "reconstruct",
		Usage:     "draw the reconstructions of pictures by trained weights",
		ArgsUsage: "IMAGE...",
		Description: "reconstruct decodes each IMAGE (PNG, JPEG, GIF, BMP or WebP), applies the\n" +
			"eval transform (resize and center crop to the model's size, conversion to\n" +
			"its channels, normalization), masks it (image i as row i of the masking\n" +
			"drawn from --seed), runs the model, and writes DIR/<name>-recon.png: the\n" +
			"original, the masked input, the reconstruction, and the reconstruction\n" +
			"with the visible patches pasted back. It prints each picture's path and\n" +
			"its masked-patch loss. --mask replaces the random masks by one given mask\n" +
			"for every image (what mae-vk-view shows, e.g. a hand-painted one).\n\n" +
			"The normalization is that of --data: fashion-mnist, mnist, imagenet, or a\n" +
			"data set path (its train split's statistics, as training used). Without\n" +
			"--data: Fashion-MNIST's for 1-channel models, ImageNet's for 3-channel.\n" +
			"Flags may also follow the images.\n\n" +
			weightsDescription,
		Flags: append(weightsFlags(),
			&cli.StringFlag{Name: "out", Usage: "directory for the pictures (required; created if missing)"},
			&cli.StringFlag{Name: "data", Usage: "normalize as this data set: fashion-mnist, mnist, imagenet, or a path (default: by channels)"},
			&cli.BoolFlag{Name: "json", Usage: "print a JSON array"},
			&cli.StringFlag{Name: "mask", Usage: maskFlagUsage},
		),
		Action: runReconstruct,
	}
}

// reconJSON is the stable JSON form of one reconstructed picture.
type reconJSON struct {
	Image   string  `json:"image"`
	Loss    float64 `json:"loss"`
	Picture string  `json:"picture"`
}

func runReconstruct(c *cli.Context) error {
	paths, err := trailingFlags(c)
	if err != nil {
		return err
	}
	out := c.String("out")
	switch {
	case len(paths) == 0:
		return errors.New("reconstruct: give at least one IMAGE")
	case out == "":
		return errors.New("--out: required: give the directory for the pictures")
	}
	pictures, err := reconNames(out, paths)
	if err != nil {
		return err
	}
	p, err := loadWeightsFromFlags(c)
	if err != nil {
		return err
	}
	mc := p.Config
	stats, err := reconStats(c.String("data"), mc.Channels)
	if err != nil {
		return err
	}
	images, err := transformFiles(paths, mc, stats)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	d, o, prec, err := openOpsPrecision(c, openOps, false)
	if err != nil {
		return err
	}
	defer d.Close()
	var recs []mae.ImageRecon
	if m := c.String("mask"); m != "" {
		mask, err := parseMask(m, mc.NumPatches())
		if err != nil {
			return err
		}
		recs, err = mae.ReconstructMaskedAt(o, p, prec, images, len(paths), mask)
	} else {
		recs, err = mae.ReconstructImagesAt(o, p, prec, images, len(paths), c.Uint64("seed"))
	}
	if err != nil {
		return err
	}
	plane := mc.Channels * mc.ImageSize * mc.ImageSize
	var js []reconJSON
	for i, r := range recs {
		err := mae.SaveReconGrid(pictures[i], mc, stats, mae.Recon{
			N: 1, Images: images[i*plane : (i+1)*plane], Pred: r.Pred, Mask: r.Mask,
		})
		if err != nil {
			return err
		}
		if c.Bool("json") {
			js = append(js, reconJSON{Image: paths[i], Loss: r.Loss, Picture: pictures[i]})
			continue
		}
		fmt.Printf("%s\tloss %.6f\t%s\n", pictures[i], r.Loss, paths[i])
	}
	if c.Bool("json") {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(js)
	}
	return nil
}

// trailingFlags returns the command's arguments after setting the flags
// found among them, so that flags may follow the images (the flag package
// stops at the first argument). "--" ends the flags.
func trailingFlags(c *cli.Context) ([]string, error) {
	args := c.Args().Slice()
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(rest, args[i+1:]...), nil
		}
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		var flag cli.Flag
		for _, f := range c.Command.Flags {
			for _, n := range f.Names() {
				if n == name {
					flag = f
				}
			}
		}
		if flag == nil {
			return nil, fmt.Errorf("flag provided but not defined: %s", a)
		}
		if _, isBool := flag.(*cli.BoolFlag); isBool && !hasValue {
			value = "true"
		} else if !hasValue {
			if i+1 == len(args) {
				return nil, fmt.Errorf("flag needs an argument: %s", a)
			}
			i++
			value = args[i]
		}
		if err := c.Set(name, value); err != nil {
			return nil, fmt.Errorf("invalid value %q for flag %s: %w", value, a, err)
		}
	}
	return rest, nil
}

// reconNames returns out/<base>-recon.png for each path, where base is the
// file name without its extension; two inputs may not share one.
func reconNames(out string, paths []string) ([]string, error) {
	names := make([]string, len(paths))
	from := map[string]string{}
	for i, p := range paths {
		base := filepath.Base(p)
		names[i] = filepath.Join(out, strings.TrimSuffix(base, filepath.Ext(base))+"-recon.png")
		if prev, dup := from[names[i]]; dup {
			return nil, fmt.Errorf("%s and %s would both be drawn to %s: rename one", prev, p, names[i])
		}
		from[names[i]] = p
	}
	return names, nil
}

// reconStats returns the normalization named by --data for a model with
// channels channels.
func reconStats(data string, channels int) (loader.Stats, error) {
	var s loader.Stats
	switch strings.ToLower(data) {
	case "":
		s = loader.FashionMNISTStats()
		if channels != 1 {
			s = loader.ImageNetStats()
		}
	case "fashion-mnist":
		s = loader.FashionMNISTStats()
	case "mnist":
		s = loader.MNISTStats()
	case "imagenet":
		s = loader.ImageNetStats()
	default:
		src, err := loader.Open(data, "train", loader.Options{Warn: func(string) {}})
		if err != nil {
			return s, fmt.Errorf("--data %s: %w", data, err)
		}
		s = src.Stats()
	}
	s, err := s.ForChannels(channels)
	if err != nil {
		return s, fmt.Errorf("--data %s: %w", data, err)
	}
	return s, nil
}

// transformFiles decodes each picture and applies the eval transform for
// the model cfg, returning the images [N, C, H, W].
func transformFiles(paths []string, cfg mae.Config, stats loader.Stats) ([]float32, error) {
	tr, err := loader.NewTransform(cfg.ImageSize, cfg.Channels, loader.AugmentNone, stats)
	if err != nil {
		return nil, err
	}
	plane := cfg.Channels * cfg.ImageSize * cfg.ImageSize
	out := make([]float32, len(paths)*plane)
	var img loader.Image
	for i, path := range paths {
		if err := loader.DecodeFile(path, &img); err != nil {
			return nil, err
		}
		if min(img.W, img.H) < cfg.ImageSize {
			return nil, fmt.Errorf("%s: %d×%d pixels, smaller than the model's %d×%d input (the eval transform never enlarges pictures)",
				path, img.W, img.H, cfg.ImageSize, cfg.ImageSize)
		}
		if err := tr.Apply(out[i*plane:(i+1)*plane], &img, nil); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return out, nil
}
