package mae

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/mae-vk/mae-vk/internal/atomicfile"
)

// CutMetrics removes from the metrics.jsonl at path every record of a step
// after step (and a partial last line), rewriting the file atomically, so
// that a run resumed from the checkpoint of step does not log the steps
// between that checkpoint and a crash twice. A missing file is no error;
// the lines kept are kept byte for byte.
func CutMetrics(path string, step int64) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mae: reading metrics: %w", err)
	}
	var keep bytes.Buffer
	cut := false
	for i, rest := 1, b; len(rest) > 0; i++ {
		line, after, complete := bytes.Cut(rest, []byte{'\n'})
		rest = after
		var m struct {
			Step int64 `json:"step"`
		}
		if err := json.Unmarshal(line, &m); err != nil || !complete || m.Step > step {
			if err != nil && complete && len(bytes.TrimSpace(line)) > 0 {
				return fmt.Errorf("mae: %s:%d: %w (not a metrics record; move the file away to start it afresh)", path, i, err)
			}
			cut = true
			continue
		}
		keep.Write(line)
		keep.WriteByte('\n')
	}
	if !cut {
		return nil
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(keep.Bytes())
		return err
	})
}
