package mae

import (
	"fmt"
	"slices"

	"github.com/mae-vk/mae-vk/safetensors"
)

// InferConfig derives the architecture from the tensor shapes of a
// reference state dict: D, C and p from patch_embed.proj.weight, the image
// size from pos_embed, the depths by counting blocks, the MLP ratio from
// the first block's fc1 and the decoder width from decoder_embed. The head
// counts are not in the weights: they come from the preset with the same
// encoder and decoder widths and depths, or the result is an error asking
// for them. The mask ratio, norm-pix loss and LayerNorm epsilon are the
// reference defaults of Preset.
func InferConfig(sf *safetensors.File) (Config, error) {
	fail := func(format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("mae: %s: inferring the model config: "+format+" (pass a preset or a config matching the file)", append([]any{sf.Path}, args...)...)
	}
	shape := func(name string, dims int) []int {
		if t, ok := sf.Lookup(name); ok && len(t.Shape) == dims {
			return t.Shape
		}
		return nil
	}
	count := func(prefix string) int {
		n := 0
		for ; ; n++ {
			if _, ok := sf.Lookup(fmt.Sprintf("%s.%d.norm1.weight", prefix, n)); !ok {
				return n
			}
		}
	}
	pe, pos, de := shape("patch_embed.proj.weight", 4), shape("pos_embed", 3), shape("decoder_embed.weight", 2)
	fc1, dfc1 := shape("blocks.0.mlp.fc1.weight", 2), shape("decoder_blocks.0.mlp.fc1.weight", 2)
	for _, s := range []struct {
		name  string
		shape []int
	}{{"patch_embed.proj.weight", pe}, {"pos_embed", pos}, {"decoder_embed.weight", de},
		{"blocks.0.mlp.fc1.weight", fc1}, {"decoder_blocks.0.mlp.fc1.weight", dfc1}} {
		if s.shape == nil || slices.Contains(s.shape, 0) {
			return fail("tensor %q missing, empty or of the wrong rank", s.name)
		}
	}
	c, err := Preset(DefaultPreset) // for the training defaults
	if err != nil {
		return Config{}, err
	}
	c.EncDim, c.Channels, c.PatchSize, c.DecDim = pe[0], pe[1], pe[2], de[0]
	g := 0
	for g*g < pos[1]-1 {
		g++
	}
	if g*g != pos[1]-1 || pe[2] != pe[3] {
		return fail("pos_embed %v and patch_embed.proj.weight %v do not describe a square grid of square patches", pos, pe)
	}
	c.ImageSize, c.EncDepth, c.DecDepth = g*c.PatchSize, count("blocks"), count("decoder_blocks")
	c.MLPRatio = float64(fc1[0]) / float64(c.EncDim)
	if c.EncMLPDim() != fc1[0] || c.DecMLPDim() != dfc1[0] {
		return fail("MLP widths %d (encoder) and %d (decoder) do not share one ratio", fc1[0], dfc1[0])
	}
	c.EncHeads, c.DecHeads = 0, 0
	for _, name := range PresetNames() {
		p, _ := Preset(name)
		if p.EncDim == c.EncDim && p.EncDepth == c.EncDepth && p.DecDim == c.DecDim && p.DecDepth == c.DecDepth {
			c.EncHeads, c.DecHeads = p.EncHeads, p.DecHeads
		}
	}
	if c.EncHeads == 0 {
		return fail("the attention heads cannot be inferred from weights and no preset has encoder %d/%d and decoder %d/%d (width/depth); give the head counts", c.EncDim, c.EncDepth, c.DecDim, c.DecDepth)
	}
	if err := c.Validate(); err != nil {
		return fail("%w", err)
	}
	return c, nil
}
