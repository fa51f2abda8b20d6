package mae

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mae-vk/mae-vk/safetensors"
)

// ErrNoCheckpoint is wrapped by the error of LatestCheckpoint (and so of
// LoadCheckpoint) for a directory with no complete checkpoint at all.
var ErrNoCheckpoint = errors.New("no complete checkpoint")

// LatestCheckpoint returns the checkpoint directory that dir designates:
// dir itself if it holds model.safetensors, else the one dir/latest names,
// else (latest missing, or naming a missing directory after a crash) the
// ckpt-<step> with the highest step that holds model.safetensors and
// state.json.
func LatestCheckpoint(dir string) (string, error) {
	if fileExists(filepath.Join(dir, ModelFile)) {
		return dir, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, LatestFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("mae: reading the latest checkpoint: %w", err)
	}
	if err == nil {
		name := strings.TrimSpace(string(b))
		if _, ok := checkpointStep(name); !ok {
			return "", fmt.Errorf("mae: %s names %q, not a checkpoint; delete it to use the newest complete ckpt-<step>", filepath.Join(dir, LatestFile), name)
		}
		if target := filepath.Join(dir, name); fileExists(target) {
			return target, nil
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("mae: %w in %s: %w", ErrNoCheckpoint, dir, err)
	}
	best, found := int64(-1), ""
	for _, e := range ents {
		s, ok := checkpointStep(e.Name())
		p := filepath.Join(dir, e.Name())
		if ok && s > best && fileExists(filepath.Join(p, ModelFile)) && fileExists(filepath.Join(p, StateFile)) {
			best, found = s, p
		}
	}
	if found == "" {
		return "", fmt.Errorf("mae: %w in %s (want a %s file or ckpt-<step> directories)", ErrNoCheckpoint, dir, LatestFile)
	}
	return found, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// LoadCheckpoint loads the checkpoint LatestCheckpoint(dir) designates:
// the weights with the config stored in them, the AdamW moments if
// optimizer.safetensors is present, and state.json.
func LoadCheckpoint(dir string) (*Checkpoint, error) {
	ckDir, err := LatestCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	p, err := LoadWeights(filepath.Join(ckDir, ModelFile), nil)
	if err != nil {
		return nil, err
	}
	ck := &Checkpoint{Params: p, Dir: ckDir}
	if optPath := filepath.Join(ckDir, OptimizerFile); fileExists(optPath) {
		if ck.ExpAvg, ck.ExpAvgSq, err = loadMoments(optPath, p.Layout); err != nil {
			return nil, err
		}
	}
	statePath := filepath.Join(ckDir, StateFile)
	b, err := os.ReadFile(statePath)
	if err != nil {
		return nil, fmt.Errorf("mae: %w (the checkpoint is incomplete; use an older one)", err)
	}
	var sf stateFile
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&sf); err != nil {
		return nil, fmt.Errorf("mae: %s: %w (the checkpoint is damaged; use an older one)", statePath, err)
	}
	if sf.Version != CheckpointVersion {
		return nil, fmt.Errorf("mae: %s: format version %d, this mae-vk reads %d (use the mae-vk that wrote it)", statePath, sf.Version, CheckpointVersion)
	}
	ck.State = sf.TrainState
	ck.State.Loss = float64(sf.Loss)
	return ck, nil
}

// loadMoments reads exp_avg.* and exp_avg_sq.* into flat buffers of length
// l.TrainableLen.
func loadMoments(path string, l *Layout) (m, v []float32, err error) {
	sf, err := safetensors.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("mae: %w (the checkpoint is damaged; use an older one)", err)
	}
	defer sf.Close()
	var want []safetensors.Entry
	m, v = make([]float32, l.TrainableLen), make([]float32, l.TrainableLen)
	for _, t := range l.Tensors {
		if t.Trainable {
			want = append(want,
				safetensors.Entry{Name: "exp_avg." + t.Name, Shape: t.Shape, Data: m[t.Offset : t.Offset+t.Len()]},
				safetensors.Entry{Name: "exp_avg_sq." + t.Name, Shape: t.Shape, Data: v[t.Offset : t.Offset+t.Len()]})
		}
	}
	if err := readEntries(sf, want, "the optimizer state does not match the model; start the optimizer afresh"); err != nil {
		return nil, nil, err
	}
	return m, v, nil
}

// checkpointRoot turns a run directory into its checkpoint directory;
// anything else (a checkpoint directory, or one holding ckpt-*) is kept.
func checkpointRoot(path string) string {
	if st, err := os.Stat(filepath.Join(path, "checkpoints")); err == nil && st.IsDir() {
		return filepath.Join(path, "checkpoints")
	}
	return path
}
