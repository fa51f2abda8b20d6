package viewer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mae-vk/mae-vk/mae"
)

// followPoll is how often --follow looks at the run's latest file and
// metrics.jsonl: two small reads, nothing the trainer waits for.
const followPoll = 500 * time.Millisecond

// update is what the follower found: new weights, a new loss curve, or an
// error to show.
type update struct {
	params *mae.Params // nil: unchanged
	step   int64
	name   string // checkpoint directory
	curve  *lossCurve
	err    error
}

// weightsSource resolves the viewer's RUN_OR_CHECKPOINT argument.
type weightsSource struct {
	run     string // the run directory, "" when given a checkpoint or a file
	ckptDir string // the directory holding ckpt-<step> and latest
}

func resolveSource(path string) weightsSource {
	if st, err := os.Stat(filepath.Join(path, "checkpoints")); err == nil && st.IsDir() {
		return weightsSource{run: path, ckptDir: filepath.Join(path, "checkpoints")}
	}
	return weightsSource{ckptDir: path}
}

// stepOf reads the step from a checkpoint directory name ckpt-<step>.
func stepOf(dir string) int64 {
	s, ok := strings.CutPrefix(filepath.Base(dir), "ckpt-")
	if !ok {
		return -1
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// readLatest returns the checkpoint that latest names. The trainer writes
// latest (atomically) only after the checkpoint it names is complete and
// synced, so following it never reads a half-written checkpoint.
func readLatest(ckptDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(ckptDir, mae.LatestFile))
	if err != nil {
		return "", err
	}
	name := strings.TrimSpace(string(b))
	if stepOf(name) < 0 {
		return "", fmt.Errorf("%s names %q, not a checkpoint", filepath.Join(ckptDir, mae.LatestFile), name)
	}
	return filepath.Join(ckptDir, name), nil
}

// follow polls the run until ctx ends, sending an update when latest names
// another checkpoint (its weights loaded) or metrics.jsonl grows; wake is
// called after each send so that the window loop looks.
func follow(ctx context.Context, src weightsSource, current string, out chan<- update, wake func()) {
	metrics := filepath.Join(src.run, "metrics.jsonl")
	var metricsSize int64 = -1
	t := time.NewTicker(followPoll)
	defer t.Stop()
	for {
		var u update
		send := false
		if dir, err := readLatest(src.ckptDir); err == nil && dir != current {
			p, err := mae.LoadWeights(filepath.Join(dir, mae.ModelFile), nil)
			if err != nil {
				u.err = fmt.Errorf("--follow: %s: %w", dir, err)
			} else {
				u.params, u.step, u.name = p, stepOf(dir), dir
			}
			current, send = dir, true
		}
		if src.run != "" {
			if st, err := os.Stat(metrics); err == nil && st.Size() != metricsSize {
				metricsSize = st.Size()
				train, eval, err := mae.ReadLossCurve(metrics)
				if err == nil {
					u.curve, send = &lossCurve{train: train, eval: eval}, true
				}
			}
		}
		if send {
			select {
			case out <- u:
				wake()
			case <-ctx.Done():
				return
			}
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}
