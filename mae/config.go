package mae

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Config is the architecture and loss of a MaskedAutoencoderViT
// (models_mae.py): image and patch geometry, encoder and decoder widths,
// depths and head counts, and the masking and loss settings.
type Config struct {
	ImageSize int // square input images, ImageSize×ImageSize pixels
	Channels  int // input channels C
	PatchSize int // square patches p×p

	EncDim   int // encoder width D
	EncDepth int // encoder blocks
	EncHeads int // encoder attention heads

	DecDim   int // decoder width Dd
	DecDepth int // decoder blocks
	DecHeads int // decoder attention heads

	MLPRatio    float64 // MLP hidden width = int(dim·MLPRatio), 4 in the reference
	MaskRatio   float64 // fraction of patches removed, 0.75 in the reference
	NormPixLoss bool    // normalize each target patch by its mean and variance
	LNEps       float64 // LayerNorm epsilon, 1e-6 in the reference
}

// DefaultPreset is the preset used when none is named.
const DefaultPreset = "tiny"

// PresetNames returns the preset names from smallest to largest.
func PresetNames() []string {
	return []string{"micro", "tiny", "vit-b16", "vit-l16", "vit-h14"}
}

// Preset returns the named configuration with the reference's defaults
// (MLPRatio 4, MaskRatio 0.75, NormPixLoss true, LNEps 1e-6):
//
//	name     image C  p   encoder D/depth/heads  decoder D/depth/heads
//	micro     28   1  7        64/2/2                 32/1/2
//	tiny      28   1  4       128/4/4                 64/2/2
//	vit-b16  224   3 16       768/12/12              512/8/16
//	vit-l16  224   3 16      1024/24/16              512/8/16
//	vit-h14  224   3 14      1280/32/16              512/8/16
//
// The vit-* presets are the reference's mae_vit_{base,large,huge}_* models.
func Preset(name string) (Config, error) {
	c := Config{MLPRatio: 4, MaskRatio: 0.75, NormPixLoss: true, LNEps: 1e-6}
	set := func(img, ch, p, d, depth, heads, dd, ddepth, dheads int) {
		c.ImageSize, c.Channels, c.PatchSize = img, ch, p
		c.EncDim, c.EncDepth, c.EncHeads = d, depth, heads
		c.DecDim, c.DecDepth, c.DecHeads = dd, ddepth, dheads
	}
	switch name {
	case "micro":
		set(28, 1, 7, 64, 2, 2, 32, 1, 2)
	case "tiny":
		set(28, 1, 4, 128, 4, 4, 64, 2, 2)
	case "vit-b16":
		set(224, 3, 16, 768, 12, 12, 512, 8, 16)
	case "vit-l16":
		set(224, 3, 16, 1024, 24, 16, 512, 8, 16)
	case "vit-h14":
		set(224, 3, 14, 1280, 32, 16, 512, 8, 16)
	default:
		return Config{}, fmt.Errorf("mae: unknown preset %q (have %v)", name, PresetNames())
	}
	return c, nil
}

// Validate reports the first inconsistency in c: non-positive sizes, an image
// not divisible into patches, a width not divisible by its head count or
// not by 4 (the 2-D sin-cos embedding splits it into four equal parts), a
// mask ratio outside (0, 1) or one that keeps or hides no patch, or a non-positive
// LayerNorm epsilon.
func (c Config) Validate() error {
	var errs []error
	// Every message starts with the field's name.
	bad := func(format string, args ...any) {
		field, rest, _ := strings.Cut(fmt.Sprintf(format, args...), " ")
		errs = append(errs, &ConfigError{Field: field, Value: fieldValue(c, field), Reason: rest})
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"ImageSize", c.ImageSize}, {"Channels", c.Channels}, {"PatchSize", c.PatchSize},
		{"EncDim", c.EncDim}, {"EncDepth", c.EncDepth}, {"EncHeads", c.EncHeads},
		{"DecDim", c.DecDim}, {"DecDepth", c.DecDepth}, {"DecHeads", c.DecHeads},
	} {
		if f.v <= 0 {
			bad("%s must be positive", f.name)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if c.ImageSize%c.PatchSize != 0 {
		bad("ImageSize is not a multiple of PatchSize %d", c.PatchSize)
	}
	if c.EncDim%c.EncHeads != 0 {
		bad("EncDim is not divisible by EncHeads %d", c.EncHeads)
	}
	if c.DecDim%c.DecHeads != 0 {
		bad("DecDim is not divisible by DecHeads %d", c.DecHeads)
	}
	if c.EncDim%4 != 0 {
		bad("EncDim is not a multiple of 4 (2-D sin-cos position embedding)")
	}
	if c.DecDim%4 != 0 {
		bad("DecDim is not a multiple of 4 (2-D sin-cos position embedding)")
	}
	if !(c.MLPRatio > 0) || c.EncMLPDim() < 1 || c.DecMLPDim() < 1 {
		bad("MLPRatio gives an empty MLP")
	}
	if !(c.MaskRatio > 0 && c.MaskRatio < 1) {
		bad("MaskRatio is outside (0, 1): give the fraction of patches to hide, e.g. 0.75")
	} else if c.ImageSize%c.PatchSize == 0 && c.KeepCount() < 1 {
		bad("MaskRatio keeps no patch of %d: lower it", c.NumPatches())
	} else if c.ImageSize%c.PatchSize == 0 && c.KeepCount() >= c.NumPatches() {
		bad("MaskRatio hides no patch of %d: raise it", c.NumPatches())
	}
	if !(c.LNEps > 0) {
		bad("LNEps must be positive")
	}
	if c.NormPixLoss && c.PatchDim() < 2 {
		bad("NormPixLoss needs at least 2 values per patch, have %d", c.PatchDim())
	}
	return errors.Join(errs...)
}

// Summary is the architecture in one line: "28 px, patch 4, encoder
// 128×4 (4 heads), decoder 64×2 (2 heads), mask 0.75".
func (c Config) Summary() string {
	return fmt.Sprintf("%d px, %d channels, patch %d, encoder %d×%d (%d heads), decoder %d×%d (%d heads), mask %g",
		c.ImageSize, c.Channels, c.PatchSize, c.EncDim, c.EncDepth, c.EncHeads, c.DecDim, c.DecDepth, c.DecHeads, c.MaskRatio)
}

// fieldValue is the value of c's field name, for ConfigError.
func fieldValue(c Config, name string) any {
	if f := reflect.ValueOf(c).FieldByName(name); f.IsValid() {
		return f.Interface()
	}
	return nil
}

// GridSize returns the patches per side, ImageSize/PatchSize.
func (c Config) GridSize() int { return c.ImageSize / c.PatchSize }

// NumPatches returns L, the number of patches (tokens without the class token):
//
//	L = (ImageSize/PatchSize)²
func (c Config) NumPatches() int { return c.GridSize() * c.GridSize() }

// PatchDim returns the values per patch, p·p·C.
func (c Config) PatchDim() int { return c.PatchSize * c.PatchSize * c.Channels }

// KeepCount returns Lk, the visible patches per sample, computed as the
// reference does in float64:
//
//	Lk = int(L · (1 − MaskRatio))
func (c Config) KeepCount() int {
	return int(float64(c.NumPatches()) * (1 - c.MaskRatio))
}

// EncMLPDim returns the encoder MLP hidden width, int(EncDim·MLPRatio).
func (c Config) EncMLPDim() int { return int(float64(c.EncDim) * c.MLPRatio) }

// DecMLPDim returns the decoder MLP hidden width, int(DecDim·MLPRatio).
func (c Config) DecMLPDim() int { return int(float64(c.DecDim) * c.MLPRatio) }
