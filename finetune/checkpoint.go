package finetune

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/mae-vk/mae-vk/internal/atomicfile"
	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/safetensors"
)

// BestDir is the folder of a run directory holding the best checkpoint's
// weights (model.safetensors) and its evaluation (eval.json).
const BestDir = "best"

// saveWeights writes the classifier's weights under the models_vit names
// to path atomically, with the encoder config in the metadata.
func saveWeights(path string, p *mae.Params) error {
	cfg, err := json.Marshal(p.Config)
	if err != nil {
		return err
	}
	ents := make([]safetensors.Entry, len(p.Layout.Tensors))
	for i, t := range p.Layout.Tensors {
		ents[i] = safetensors.Entry{Name: t.Name, Shape: t.Shape, Data: p.Data[t.Offset : t.Offset+t.Len()]}
	}
	meta := map[string]string{"format": "pt", mae.ConfigMetadataKey: string(cfg)}
	return atomicfile.Write(path, func(w io.Writer) error { return safetensors.Write(w, ents, meta) })
}

// LoadWeights reads a classifier's model.safetensors (a file, a
// checkpoint directory, or a run directory, whose best weights are taken):
// the encoder config from the file's metadata, the class count from
// head.weight. Every tensor must be present with its models_vit shape.
func LoadWeights(path string) (*mae.Params, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		switch best := filepath.Join(path, BestDir, mae.ModelFile); {
		case fileExists(best):
			path = best
		case fileExists(filepath.Join(path, mae.ModelFile)):
			path = filepath.Join(path, mae.ModelFile)
		default:
			dir, err := mae.LatestCheckpoint(checkpointRoot(path))
			if err != nil {
				return nil, fmt.Errorf("finetune: %s: %w (give a fine-tuning run directory or a model.safetensors)", path, err)
			}
			path = filepath.Join(dir, mae.ModelFile)
		}
	}
	sf, err := safetensors.Open(path)
	if err != nil {
		return nil, fmt.Errorf("finetune: %w (give a model.safetensors written by mae-vk finetune)", err)
	}
	defer sf.Close()
	var cfg mae.Config
	js, ok := sf.Metadata[mae.ConfigMetadataKey]
	if !ok {
		return nil, fmt.Errorf("finetune: %s has no %q metadata: it was not written by mae-vk finetune", path, mae.ConfigMetadataKey)
	}
	if err := json.Unmarshal([]byte(js), &cfg); err != nil {
		return nil, fmt.Errorf("finetune: %s: metadata: %w (the file is damaged)", path, err)
	}
	head, ok := sf.Lookup("head.weight")
	if !ok || len(head.Shape) != 2 {
		return nil, fmt.Errorf("finetune: %s has no head.weight [classes, D]: it is not a classifier (pre-trained MAE weights go to --weights of mae-vk finetune)", path)
	}
	l, err := NewLayout(cfg, int(head.Shape[0]))
	if err != nil {
		return nil, fmt.Errorf("finetune: %s: %w", path, err)
	}
	p := &mae.Params{Config: cfg, Layout: l, Data: make([]float32, l.Len)}
	if err := readTensors(sf, l, "", p.Data); err != nil {
		return nil, err
	}
	return p, nil
}

// readTensors reads every tensor of l, named prefix+name, into flat.
func readTensors(sf *safetensors.File, l *mae.Layout, prefix string, flat []float32) error {
	if len(sf.Tensors) != len(l.Tensors) {
		return fmt.Errorf("finetune: %s holds %d tensors, the classifier %d (another model?)", sf.Path, len(sf.Tensors), len(l.Tensors))
	}
	for _, t := range l.Tensors {
		st, ok := sf.Lookup(prefix + t.Name)
		if !ok {
			return fmt.Errorf("finetune: %s: missing tensor %q", sf.Path, prefix+t.Name)
		}
		if !slices.Equal(st.Shape, t.Shape) {
			return fmt.Errorf("finetune: %s: %q has shape %v, want %v", sf.Path, prefix+t.Name, st.Shape, t.Shape)
		}
		if err := sf.ReadFloat32(prefix+t.Name, flat[t.Offset:t.Offset+t.Len()]); err != nil {
			return fmt.Errorf("finetune: %w", err)
		}
	}
	return nil
}

// checkpoint is a fine-tuning checkpoint read back for resuming.
type checkpoint struct {
	cfg          Config
	params       *mae.Params
	expAvg, expA []float32
	state        mae.TrainState
}

// loadCheckpoint reads the newest complete checkpoint of a run directory
// (or a checkpoints directory, or one checkpoint).
func loadCheckpoint(path string) (*checkpoint, error) {
	dir, err := mae.LatestCheckpoint(checkpointRoot(path))
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, mae.StateFile))
	if err != nil {
		return nil, fmt.Errorf("finetune: %w (the checkpoint is incomplete; use an older one)", err)
	}
	ck := &checkpoint{}
	if err := json.Unmarshal(b, &ck.state); err != nil {
		return nil, fmt.Errorf("finetune: %s: %w (the checkpoint is damaged)", dir, err)
	}
	if err := json.Unmarshal(ck.state.Config, &ck.cfg); err != nil || ck.cfg.Classes < 2 {
		return nil, fmt.Errorf("finetune: %s: state.json holds no fine-tuning config (is it a pre-training run? pass it to --weights instead)", dir)
	}
	if ck.params, err = LoadWeights(filepath.Join(dir, mae.ModelFile)); err != nil {
		return nil, err
	}
	l := ck.params.Layout
	sf, err := safetensors.Open(filepath.Join(dir, mae.OptimizerFile))
	if err != nil {
		return nil, fmt.Errorf("finetune: %w", err)
	}
	defer sf.Close()
	ck.expAvg, ck.expA = make([]float32, l.TrainableLen), make([]float32, l.TrainableLen)
	names := map[string][]float32{"exp_avg.": ck.expAvg, "exp_avg_sq.": ck.expA}
	for prefix, dst := range names {
		for _, t := range l.Tensors {
			if err := sf.ReadFloat32(prefix+t.Name, dst[t.Offset:t.Offset+t.Len()]); err != nil {
				return nil, fmt.Errorf("finetune: optimizer state: %w", err)
			}
		}
	}
	return ck, nil
}

// checkpointRoot turns a run directory into its checkpoint directory.
func checkpointRoot(path string) string {
	if st, err := os.Stat(filepath.Join(path, "checkpoints")); err == nil && st.IsDir() {
		return filepath.Join(path, "checkpoints")
	}
	return path
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
