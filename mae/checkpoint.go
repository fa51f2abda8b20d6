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
	"time"

	"github.com/mae-vk/mae-vk/internal/atomicfile"
	"github.com/mae-vk/mae-vk/safetensors"
)

// Checkpoint file names and format constants.
const (
	CheckpointVersion = 1                       // state.json "format_version" written and accepted
	DefaultKeep       = 2                       // checkpoints SaveCheckpoint keeps
	ModelFile         = "model.safetensors"     // weights under reference names
	OptimizerFile     = "optimizer.safetensors" // AdamW moments
	StateFile         = "state.json"            // TrainState
	LatestFile        = "latest"                // names the newest complete checkpoint
	ConfigMetadataKey = "mae_vk_config"         // model.safetensors metadata: JSON of Config
)

// TrainState is the training progress saved in state.json.
type TrainState struct {
	Version int   `json:"format_version"` // CheckpointVersion; set by SaveCheckpoint
	Step    int64 `json:"step"`           // optimizer steps done
	// AdamStep is AdamW's count of applied updates (steps done less the
	// skipped ones), the t of its bias corrections; nil in checkpoints
	// written before it was saved (AdamStepOf).
	AdamStep    *int64            `json:"adam_step,omitempty"`
	Epoch       int               `json:"epoch"`         // current epoch
	StepInEpoch int               `json:"step_in_epoch"` // steps done within Epoch
	RNG         map[string]uint64 `json:"rng,omitempty"` // random generator states by name
	Loss        float64           `json:"loss"`          // the loss so far (NaN/Inf saved as null and read back as NaN)
	Config      json.RawMessage   `json:"config,omitempty"`
	SavedAt     time.Time         `json:"saved_at"` // set by SaveCheckpoint
}

// stateFile is TrainState on disk; its Loss field shadows TrainState.Loss
// so that a non-finite loss is written as null instead of failing.
type stateFile struct {
	TrainState
	Loss jsonFloat `json:"loss"`
}

// Checkpoint is everything needed to resume training.
type Checkpoint struct {
	Params *Params
	// ExpAvg and ExpAvgSq are AdamW's first and second moments over the
	// trainable prefix of Params.Data, Layout.TrainableLen values each
	// (padding ignored), or both nil to save weights and state only.
	ExpAvg, ExpAvgSq []float32
	State            TrainState
	Dir              string // the checkpoint directory, set by LoadCheckpoint
}

// CheckpointName returns the directory name of the checkpoint at step,
// "ckpt-<step>".
func CheckpointName(step int64) string { return "ckpt-" + strconv.FormatInt(step, 10) }

// SaveCheckpoint is SaveCheckpointKeep with DefaultKeep.
func SaveCheckpoint(dir string, ck Checkpoint) error {
	return SaveCheckpointKeep(dir, ck, DefaultKeep)
}

// SaveCheckpointKeep writes ck to dir/ckpt-<step>/ (model.safetensors,
// optimizer.safetensors, state.json), then points dir/latest at it, then
// deletes all but the keep newest checkpoints (keep < 1 keeps all). The
// directory is written under a temporary name and renamed when complete,
// and every file is written atomically, so a crash at any moment leaves
// latest naming a complete checkpoint. One process at a time may save to
// dir.
func SaveCheckpointKeep(dir string, ck Checkpoint, keep int) (err error) {
	if err := checkCheckpoint(ck); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("mae: checkpoint: %w (choose a writable output directory)", err)
	}
	name := CheckpointName(ck.State.Step)
	tmp, err := os.MkdirTemp(dir, "."+name+".tmp-")
	if err != nil {
		return fmt.Errorf("mae: checkpoint: %w (choose a writable output directory)", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
			err = fmt.Errorf("mae: saving checkpoint %s: %w (check the disk space; the previous checkpoint is intact)", filepath.Join(dir, name), err)
		}
	}()
	if err = writeCheckpointFiles(tmp, ck); err != nil {
		return err
	}
	if err = os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	final := filepath.Join(dir, name)
	var old string
	if _, serr := os.Stat(final); serr == nil { // saved again at the same step
		old = filepath.Join(dir, fmt.Sprintf(".%s.old-%d", name, time.Now().UnixNano()))
		if err = os.Rename(final, old); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp, final); err != nil {
		return err
	}
	if err = atomicfile.SyncDir(dir); err != nil {
		return err
	}
	if old != "" {
		os.RemoveAll(old)
	}
	err = atomicfile.Write(filepath.Join(dir, LatestFile), func(w io.Writer) error {
		_, err := io.WriteString(w, name+"\n")
		return err
	})
	if err != nil {
		return err
	}
	if err := pruneCheckpoints(dir, name, keep); err != nil {
		return fmt.Errorf("mae: checkpoint %s saved, but %w", final, err)
	}
	return nil
}

func checkCheckpoint(ck Checkpoint) error {
	p := ck.Params
	switch {
	case p == nil || p.Layout == nil:
		return errors.New("mae: SaveCheckpoint: no parameters")
	case len(p.Data) != p.Layout.Len:
		return fmt.Errorf("mae: SaveCheckpoint: %d parameters, layout has %d", len(p.Data), p.Layout.Len)
	case (ck.ExpAvg == nil) != (ck.ExpAvgSq == nil):
		return errors.New("mae: SaveCheckpoint: only one AdamW moment given; give both or neither")
	case ck.ExpAvg != nil && (len(ck.ExpAvg) != p.Layout.TrainableLen || len(ck.ExpAvgSq) != p.Layout.TrainableLen):
		return fmt.Errorf("mae: SaveCheckpoint: moments have %d and %d values, want TrainableLen %d", len(ck.ExpAvg), len(ck.ExpAvgSq), p.Layout.TrainableLen)
	case ck.State.Step < 0:
		return fmt.Errorf("mae: SaveCheckpoint: negative step %d", ck.State.Step)
	}
	return nil
}

func writeCheckpointFiles(dir string, ck Checkpoint) error {
	cfg, err := json.Marshal(ck.Params.Config)
	if err != nil {
		return err
	}
	meta := map[string]string{"format": "pt", ConfigMetadataKey: string(cfg)}
	if err := saveSafetensors(filepath.Join(dir, ModelFile), modelEntries(ck.Params), meta); err != nil {
		return err
	}
	if ck.ExpAvg != nil {
		var ents []safetensors.Entry
		for _, t := range ck.Params.Layout.Tensors {
			if t.Trainable {
				ents = append(ents,
					safetensors.Entry{Name: "exp_avg." + t.Name, Shape: t.Shape, Data: ck.ExpAvg[t.Offset : t.Offset+t.Len()]},
					safetensors.Entry{Name: "exp_avg_sq." + t.Name, Shape: t.Shape, Data: ck.ExpAvgSq[t.Offset : t.Offset+t.Len()]})
			}
		}
		if err := saveSafetensors(filepath.Join(dir, OptimizerFile), ents, map[string]string{"format": "pt"}); err != nil {
			return err
		}
	}
	st := ck.State
	st.Version, st.SavedAt = CheckpointVersion, time.Now().UTC()
	js, err := json.MarshalIndent(stateFile{TrainState: st, Loss: jsonFloat(st.Loss)}, "", "  ")
	if err != nil {
		return err
	}
	err = atomicfile.Write(filepath.Join(dir, StateFile), func(w io.Writer) error {
		_, err := w.Write(append(js, '\n'))
		return err
	})
	if err != nil {
		return err
	}
	return atomicfile.SyncDir(dir)
}

// checkpointStep parses "ckpt-<step>".
func checkpointStep(name string) (int64, bool) {
	s, ok := strings.CutPrefix(name, "ckpt-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0 && CheckpointName(n) == name
}

// pruneCheckpoints removes leftovers of interrupted saves and all
// checkpoints but current and the keep−1 newest others.
func pruneCheckpoints(dir, current string, keep int) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("listing old checkpoints: %w", err)
	}
	var steps []int64
	var errs []error
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, ".ckpt-") && (strings.Contains(n, ".tmp-") || strings.Contains(n, ".old-")) {
			errs = append(errs, os.RemoveAll(filepath.Join(dir, n)))
		} else if s, ok := checkpointStep(n); ok && e.IsDir() && n != current {
			steps = append(steps, s)
		}
	}
	if keep >= 1 {
		slices.Sort(steps)
		slices.Reverse(steps)
		for _, s := range steps[min(keep-1, len(steps)):] {
			errs = append(errs, os.RemoveAll(filepath.Join(dir, CheckpointName(s))))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("removing old checkpoints: %w", err)
	}
	return nil
}
