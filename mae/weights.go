package mae

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mae-vk/mae-vk/internal/atomicfile"
	"github.com/mae-vk/mae-vk/safetensors"
)

// modelEntries lists every tensor of p under its reference name and shape.
func modelEntries(p *Params) []safetensors.Entry {
	ents := make([]safetensors.Entry, len(p.Layout.Tensors))
	for i, t := range p.Layout.Tensors {
		ents[i] = safetensors.Entry{Name: t.Name, Shape: t.Shape, Data: p.Data[t.Offset : t.Offset+t.Len()]}
	}
	return ents
}

// LoadWeights reads a model.safetensors written by SaveCheckpoint or by
// PyTorch (safetensors.torch.save_file(model.state_dict()) of the
// reference MaskedAutoencoderViT; F16 and BF16 are converted). A directory
// is taken as a checkpoint directory (see LatestCheckpoint). The config is
// the one stored in the file's metadata if any (cfg is then ignored; change
// the training fields of the result's Config if needed), else *cfg, else
// InferConfig's. Every tensor must be present with its reference shape,
// and no other tensor may be.
func LoadWeights(path string, cfg *Config) (*Params, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		dir, err := LatestCheckpoint(path)
		if err != nil {
			return nil, err
		}
		path = filepath.Join(dir, ModelFile)
	}
	sf, err := safetensors.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mae: loading weights: %w (give a model.safetensors saved by mae-vk or by safetensors.torch.save_file)", err)
	}
	defer sf.Close()
	var c Config
	var hint string // what to do when the tensors do not fit c
	switch js, ok := sf.Metadata[ConfigMetadataKey]; {
	case ok:
		if err := json.Unmarshal([]byte(js), &c); err != nil {
			return nil, fmt.Errorf("mae: %s: metadata %q: %w (the file is damaged)", path, ConfigMetadataKey, err)
		}
		hint = "the model configuration stored in the file does not match its tensors, and it always wins over presets and flags: the file is damaged or was edited; use another checkpoint"
	case cfg != nil:
		c = *cfg
		hint = fmt.Sprintf("the file has no stored configuration and its tensors do not fit the one given (%s): give the preset and model flags the weights were trained with, or none to infer them from the tensor shapes", c.Summary())
	default:
		if c, err = InferConfig(sf); err != nil {
			return nil, err
		}
		hint = fmt.Sprintf("the configuration inferred from the shapes (%s) does not fit every tensor: give the preset and model flags the weights were trained with", c.Summary())
	}
	p, err := NewParams(c)
	if err != nil {
		return nil, fmt.Errorf("mae: %s: %w", path, err)
	}
	if err := readEntries(sf, modelEntries(p), hint); err != nil {
		return nil, err
	}
	return p, nil
}

// readEntries checks that sf holds exactly the tensors of want with their
// shapes and reads them into want's Data; hint says what to do on a
// mismatch.
func readEntries(sf *safetensors.File, want []safetensors.Entry, hint string) error {
	var missing, extra, shapes []string
	names := make(map[string]bool, len(want))
	for _, e := range want {
		names[e.Name] = true
		t, ok := sf.Lookup(e.Name)
		switch {
		case !ok:
			missing = append(missing, strconv.Quote(e.Name))
		case !slices.Equal(t.Shape, e.Shape):
			shapes = append(shapes, fmt.Sprintf("%q has shape %v, want %v", e.Name, t.Shape, e.Shape))
		}
	}
	for _, t := range sf.Tensors {
		if !names[t.Name] {
			extra = append(extra, strconv.Quote(t.Name))
		}
	}
	var errs []error
	for _, l := range []struct {
		what string
		list []string
	}{{"missing tensor", missing}, {"wrong shape", shapes}, {"unexpected tensor", extra}} {
		if len(l.list) > 0 {
			more := ""
			if len(l.list) > 5 {
				more = fmt.Sprintf(" and %d more", len(l.list)-5)
			}
			errs = append(errs, fmt.Errorf("%s %s%s", l.what, strings.Join(l.list[:min(5, len(l.list))], ", "), more))
		}
	}
	if len(extra) > 0 && strings.HasPrefix(sf.Tensors[0].Name, "module.") {
		hint = "the names carry a DistributedDataParallel \"module.\" prefix; save model.module.state_dict() instead"
	}
	if len(errs) > 0 {
		return fmt.Errorf("mae: %s: %w (%s)", sf.Path, errors.Join(errs...), hint)
	}
	for _, e := range want {
		if err := sf.ReadFloat32(e.Name, e.Data); err != nil {
			return fmt.Errorf("mae: %w", err)
		}
	}
	return nil
}

// saveSafetensors writes entries and metadata to path atomically (see
// safetensors.Write): a crash leaves either the old file or the new one.
func saveSafetensors(path string, entries []safetensors.Entry, metadata map[string]string) error {
	err := atomicfile.Write(path, func(w io.Writer) error { return safetensors.Write(w, entries, metadata) })
	if err != nil {
		return fmt.Errorf("%w (check that the directory is writable and the disk not full)", err)
	}
	return nil
}
