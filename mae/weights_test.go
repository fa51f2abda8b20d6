package mae

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mae-vk/mae-vk/safetensors"
)

// writeTorchStyle writes p's tensors as PyTorch's save_file would: no
// mae-vk config, and edit may change the entries first.
func writeTorchStyle(t *testing.T, p *Params, edit func([]safetensors.Entry) []safetensors.Entry) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), ModelFile)
	ents := modelEntries(p)
	if edit != nil {
		ents = edit(ents)
	}
	if err := saveSafetensors(path, ents, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadWeightsTorchFile(t *testing.T) {
	p := testCheckpoint(t, 0).Params
	path := writeTorchStyle(t, p, nil)
	got, err := LoadWeights(path, nil) // config inferred; heads from the micro preset
	if err != nil {
		t.Fatal(err)
	}
	if got.Config != p.Config || !sameBits(got.Data, p.Data) {
		t.Errorf("inferred config %+v, want %+v (data equal: %v)", got.Config, p.Config, sameBits(got.Data, p.Data))
	}
	cfg := p.Config
	cfg.MaskRatio = 0.5
	if got, err = LoadWeights(path, &cfg); err != nil || got.Config != cfg {
		t.Errorf("with a config: %v, %+v", err, got.Config)
	}
}

func TestLoadWeightsErrors(t *testing.T) {
	p := testCheckpoint(t, 0).Params
	cases := []struct {
		name string
		edit func([]safetensors.Entry) []safetensors.Entry
		want []string
	}{
		{"wrong shape", func(e []safetensors.Entry) []safetensors.Entry {
			i := slices.IndexFunc(e, func(x safetensors.Entry) bool { return x.Name == "blocks.1.mlp.fc1.bias" })
			e[i].Shape, e[i].Data = []int{255}, e[i].Data[:255]
			return e
		}, []string{`"blocks.1.mlp.fc1.bias" has shape [255], want [256]`, "no stored configuration", "the weights were trained with"}},
		{"missing", func(e []safetensors.Entry) []safetensors.Entry {
			return slices.DeleteFunc(e, func(x safetensors.Entry) bool { return x.Name == "decoder_pred.bias" })
		}, []string{`missing tensor "decoder_pred.bias"`}},
		{"extra", func(e []safetensors.Entry) []safetensors.Entry {
			return append(e, safetensors.Entry{Name: "head.weight", Shape: []int{1}, Data: []float32{1}})
		}, []string{`unexpected tensor "head.weight"`}},
		{"ddp prefix", func(e []safetensors.Entry) []safetensors.Entry {
			for i := range e {
				e[i].Name = "module." + e[i].Name
			}
			return e
		}, []string{"missing tensor", "module.state_dict()"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeTorchStyle(t, p, c.edit)
			cfg := p.Config
			_, err := LoadWeights(path, &cfg)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(c.want, path) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestInferConfigNeedsHeads(t *testing.T) {
	cfg, _ := Preset("micro")
	cfg.EncDepth = 3 // no preset has it
	p, err := NewParams(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := writeTorchStyle(t, p, nil)
	if _, err := LoadWeights(path, nil); err == nil || !strings.Contains(err.Error(), "heads") {
		t.Errorf("error %v, want one asking for the heads", err)
	}
	if got, err := LoadWeights(path, &cfg); err != nil || got.Config != cfg {
		t.Errorf("with the config: %v", err)
	}
}

// TestLoadWeightsMetadataMismatch: a file whose stored configuration does
// not match its tensors is called damaged, and the error does not advise
// flags, which could not help (the stored configuration always wins).
func TestLoadWeightsMetadataMismatch(t *testing.T) {
	p := testCheckpoint(t, 0).Params
	other, _ := Preset("tiny")
	path := filepath.Join(t.TempDir(), ModelFile)
	if err := saveSafetensors(path, modelEntries(p), map[string]string{ConfigMetadataKey: mustJSON(t, other)}); err != nil {
		t.Fatal(err)
	}
	_, err := LoadWeights(path, &p.Config)
	if err == nil || !strings.Contains(err.Error(), "damaged") || strings.Contains(err.Error(), "flags the weights") {
		t.Errorf("error %v, want one calling the file damaged", err)
	}
}
