package mae

import (
	"strings"
	"testing"
)

func TestPresetsValidate(t *testing.T) {
	for _, name := range PresetNames() {
		c, err := Preset(name)
		if err != nil {
			t.Fatalf("Preset(%q): %v", name, err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("Preset(%q).Validate(): %v", name, err)
		}
	}
	if _, err := Preset(DefaultPreset); err != nil {
		t.Errorf("default preset: %v", err)
	}
	if _, err := Preset("vit-x"); err == nil {
		t.Error("unknown preset accepted")
	}
}

func TestPresetDerived(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		l, patchDim, keep, grid int
	}{
		{"micro", 16, 49, 4, 4},
		{"tiny", 49, 16, 12, 7}, // int(49·0.25) = 12
		{"vit-b16", 196, 768, 49, 14},
		{"vit-h14", 256, 588, 64, 16},
	} {
		c, _ := Preset(tc.name)
		if c.NumPatches() != tc.l || c.PatchDim() != tc.patchDim || c.KeepCount() != tc.keep || c.GridSize() != tc.grid {
			t.Errorf("%s: L=%d P=%d Lk=%d grid=%d, want %d %d %d %d", tc.name,
				c.NumPatches(), c.PatchDim(), c.KeepCount(), c.GridSize(), tc.l, tc.patchDim, tc.keep, tc.grid)
		}
	}
	c, _ := Preset("vit-l16")
	if c.EncDim != 1024 || c.EncDepth != 24 || c.EncHeads != 16 || c.DecDim != 512 || c.DecDepth != 8 || c.DecHeads != 16 {
		t.Errorf("vit-l16 = %+v", c)
	}
	if c.EncMLPDim() != 4096 || c.DecMLPDim() != 2048 || !c.NormPixLoss || c.LNEps != 1e-6 || c.MaskRatio != 0.75 {
		t.Errorf("vit-l16 defaults = %+v", c)
	}
}

func TestValidateErrors(t *testing.T) {
	base, _ := Preset("micro")
	for _, tc := range []struct {
		want string
		edit func(*Config)
	}{
		{"PatchSize", func(c *Config) { c.PatchSize = 5 }},
		{"EncHeads", func(c *Config) { c.EncHeads = 3 }},
		{"DecHeads", func(c *Config) { c.DecHeads = 3 }},
		{"multiple of 4", func(c *Config) { c.EncDim, c.EncHeads = 66, 2 }},
		{"MaskRatio", func(c *Config) { c.MaskRatio = 1 }},
		{"keeps no patch", func(c *Config) { c.MaskRatio = 0.99 }},
		{"LNEps", func(c *Config) { c.LNEps = 0 }},
		{"EncDepth", func(c *Config) { c.EncDepth = 0 }},
		{"MLPRatio", func(c *Config) { c.MLPRatio = 0 }},
	} {
		c := base
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want error mentioning %q, got %v", tc.want, err)
		}
	}
}
