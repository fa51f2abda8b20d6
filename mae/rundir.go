package mae

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/mae-vk/mae-vk/internal/atomicfile"
)

// DefaultRunsDir is the folder under which NewRunDir creates a run
// directory when none is named.
const DefaultRunsDir = "runs"

// RunDir is the output directory of one training run:
//
//	<run>/config.json            the resolved configuration (WriteConfig)
//	<run>/metrics.jsonl          one line per logged step (MetricsWriter)
//	<run>/checkpoints/ckpt-<step>/  and  <run>/checkpoints/latest
//	<run>/recon-epoch-<n>.png    reconstruction grids, n zero-padded to 3 digits
//	<run>/loss.png               the loss curve
type RunDir struct {
	Path string
}

// ErrRunExists is wrapped by NewRunDir's error for a directory that
// already holds a run.
var ErrRunExists = errors.New("the directory already holds a training run")

// NewRunDir creates the run directory out for a new run. An empty out
// means a new directory runs/<local time>, e.g. runs/2026-11-27T17-40-05,
// with a "-2", "-3", … suffix if that name is taken. An existing out is
// used only if it holds no run (no config.json, metrics.jsonl or
// checkpoints): a run is continued with OpenRunDir, never overwritten. It
// checks that the directory is writable by creating and removing a file in
// it.
func NewRunDir(out string) (*RunDir, error) {
	var err error
	if out == "" {
		out, err = newTimestampDir(DefaultRunsDir, time.Now())
	} else {
		err = os.MkdirAll(out, 0o755)
	}
	if err != nil {
		return nil, &ConfigError{Field: "Out", Value: out, Reason: "cannot create it (choose another output directory)", Err: err}
	}
	r := &RunDir{Path: out}
	for _, f := range []string{r.ConfigPath(), r.MetricsPath(), r.CheckpointDir()} {
		if fileExists(f) {
			return nil, &ConfigError{Field: "Out", Value: out, Reason: fmt.Sprintf("holds %s: resume that run, or choose another directory", filepath.Base(f)), Err: ErrRunExists}
		}
	}
	return r, r.checkWritable()
}

// OpenRunDir opens the existing run directory path to continue its run.
func OpenRunDir(path string) (*RunDir, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, &ConfigError{Field: "Resume", Value: path, Reason: "no such run directory", Err: err}
	}
	if !st.IsDir() {
		return nil, &ConfigError{Field: "Resume", Value: path, Reason: "not a directory: give the run directory"}
	}
	r := &RunDir{Path: path}
	return r, r.checkWritable()
}

func (r *RunDir) checkWritable() error {
	probe, err := os.CreateTemp(r.Path, ".write-test-*")
	if err != nil {
		return fmt.Errorf("mae: run directory %s is not writable: %w (choose another output directory)", r.Path, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// newTimestampDir creates a fresh directory named after t under parent.
func newTimestampDir(parent string, t time.Time) (string, error) {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	base := filepath.Join(parent, t.Format("2006-01-02T15-04-05"))
	for i := 1; i <= 1000; i++ {
		dir := base
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", base, i)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%s: too many runs started in the same second", base)
}

// ConfigPath returns <run>/config.json.
func (r *RunDir) ConfigPath() string { return filepath.Join(r.Path, "config.json") }

// MetricsPath returns <run>/metrics.jsonl.
func (r *RunDir) MetricsPath() string { return filepath.Join(r.Path, "metrics.jsonl") }

// CheckpointDir returns <run>/checkpoints, the directory for SaveCheckpoint
// and LoadCheckpoint.
func (r *RunDir) CheckpointDir() string { return filepath.Join(r.Path, "checkpoints") }

// ReconPath returns <run>/recon-epoch-<epoch>.png, the epoch zero-padded to
// three digits so that the files sort in order.
func (r *RunDir) ReconPath(epoch int) string {
	return filepath.Join(r.Path, fmt.Sprintf("recon-epoch-%03d.png", epoch))
}

// ReconStepPath is the reconstruction grid drawn at a step within an epoch.
func (r *RunDir) ReconStepPath(step int64) string {
	return filepath.Join(r.Path, fmt.Sprintf("recon-step-%06d.png", step))
}

// LossPlotPath returns <run>/loss.png.
func (r *RunDir) LossPlotPath() string { return filepath.Join(r.Path, "loss.png") }

// WriteConfig writes v as indented JSON to config.json, atomically.
func (r *RunDir) WriteConfig(v any) error {
	js, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("mae: encoding %s: %w", r.ConfigPath(), err)
	}
	js = append(js, '\n')
	err = atomicfile.Write(r.ConfigPath(), func(w io.Writer) error {
		_, err := w.Write(js)
		return err
	})
	if err != nil {
		return fmt.Errorf("mae: %w (check that the run directory is writable)", err)
	}
	return nil
}
