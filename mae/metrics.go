package mae

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"sync"
	"time"
)

// MetricsRecord is one line of metrics.jsonl. Non-finite numbers are
// written as null and read back as NaN.
type MetricsRecord struct {
	Step      int64     // optimizer steps done
	Epoch     int       // current epoch
	Loss      float64   // training loss of the step, or the evaluation loss if Eval
	LR        float64   // learning rate used
	ImgPerSec float64   // throughput since the previous record
	GradNorm  float64   // global gradient norm before clipping
	Time      time.Time // wall-clock time of the record
	Eval      bool      // an evaluation record: Loss is the held-out loss
	Skipped   bool      // the step's gradient was not finite and was not applied
	LossScale float64   // fp16: the step's loss scale (0 otherwise)
}

// metricsLine is MetricsRecord on disk.
type metricsLine struct {
	Step      int64     `json:"step"`
	Epoch     int       `json:"epoch"`
	Loss      jsonFloat `json:"loss"`
	LR        jsonFloat `json:"lr"`
	ImgPerSec jsonFloat `json:"img_per_s"`
	GradNorm  jsonFloat `json:"grad_norm"`
	Time      time.Time `json:"time"`
	Eval      bool      `json:"eval,omitempty"`
	Skipped   bool      `json:"skipped,omitempty"`
	LossScale float64   `json:"loss_scale,omitempty"`
}

// MetricsWriter appends records to a metrics.jsonl file, one JSON object
// per line, each line handed to the operating system as it is written (so
// it survives a crash of the process, not of the machine). It is safe for
// concurrent use.
type MetricsWriter struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// OpenMetrics opens path for appending, creating it if needed. If a
// previous run crashed in the middle of a line, that partial line is cut
// off, so that the file holds whole records only.
func OpenMetrics(path string) (*MetricsWriter, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("mae: opening metrics: %w (choose a writable output directory)", err)
	}
	if err := dropPartialLine(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("mae: opening metrics %s: %w", path, err)
	}
	return &MetricsWriter{f: f, path: path}, nil
}

// dropPartialLine truncates f after its last newline, looking at most 1 MiB
// back; a longer partial line is ended with a newline instead.
func dropPartialLine(f *os.File) error {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	n := min(st.Size(), 1<<20)
	tail := make([]byte, n)
	if _, err := f.ReadAt(tail, st.Size()-n); err != nil {
		return err
	}
	i := bytes.LastIndexByte(tail, '\n')
	switch {
	case i == len(tail)-1:
		return nil
	case i >= 0 || n == st.Size():
		return f.Truncate(st.Size() - n + int64(i) + 1)
	}
	_, err = f.Write([]byte{'\n'})
	return err
}

// Write appends r as one line.
func (w *MetricsWriter) Write(r MetricsRecord) error {
	b, err := json.Marshal(metricsLine{
		Step: r.Step, Epoch: r.Epoch, Loss: jsonFloat(r.Loss), LR: jsonFloat(r.LR),
		ImgPerSec: jsonFloat(r.ImgPerSec), GradNorm: jsonFloat(r.GradNorm), Time: r.Time, Eval: r.Eval, Skipped: r.Skipped, LossScale: r.LossScale,
	})
	if err != nil {
		return fmt.Errorf("mae: encoding metrics: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return fmt.Errorf("mae: metrics %s: write after Close", w.path)
	}
	if _, err := w.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("mae: writing metrics %s: %w (check the disk space)", w.path, err)
	}
	return nil
}

// Close syncs and closes the file.
func (w *MetricsWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := errors.Join(w.f.Sync(), w.f.Close())
	w.f = nil
	if err != nil {
		return fmt.Errorf("mae: closing metrics %s: %w", w.path, err)
	}
	return nil
}

// ReadMetrics reads every record of a metrics.jsonl file. Empty lines and a
// partial last line (a crash while writing) are skipped; any other line
// that is not a record is an error naming its line number.
func ReadMetrics(path string) ([]MetricsRecord, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mae: reading metrics: %w", err)
	}
	var out []MetricsRecord
	for i, rest := 1, b; len(rest) > 0; i++ {
		line, after, complete := bytes.Cut(rest, []byte{'\n'})
		rest = after
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var m metricsLine
		if err := json.Unmarshal(line, &m); err != nil {
			if !complete {
				break // the last line was cut short
			}
			return nil, fmt.Errorf("mae: %s:%d: %w (not a metrics record)", path, i, err)
		}
		out = append(out, MetricsRecord{
			Step: m.Step, Epoch: m.Epoch, Loss: float64(m.Loss), LR: float64(m.LR),
			ImgPerSec: float64(m.ImgPerSec), GradNorm: float64(m.GradNorm), Time: m.Time, Eval: m.Eval, Skipped: m.Skipped, LossScale: m.LossScale,
		})
	}
	return out, nil
}

// LossPoint is one point of a loss curve.
type LossPoint struct {
	Step int64
	Loss float64
}

// LossCurve splits records into the training and evaluation loss curves,
// in step order, leaving out skipped steps. When the steps go back (a run resumed from a checkpoint
// older than its last records), the points of the abandoned run from that
// step on are dropped.
func LossCurve(records []MetricsRecord) (train, eval []LossPoint) {
	add := func(pts []LossPoint, r MetricsRecord) []LossPoint {
		for len(pts) > 0 && pts[len(pts)-1].Step >= r.Step {
			pts = pts[:len(pts)-1]
		}
		return append(pts, LossPoint{r.Step, r.Loss})
	}
	for _, r := range records {
		switch {
		case r.Eval:
			eval = add(eval, r)
		case r.Skipped:
		default:
			train = add(train, r)
		}
	}
	return train, eval
}

// ReadLossCurve is ReadMetrics followed by LossCurve.
func ReadLossCurve(path string) (train, eval []LossPoint, err error) {
	recs, err := ReadMetrics(path)
	if err != nil {
		return nil, nil, err
	}
	train, eval = LossCurve(recs)
	return train, eval, nil
}

// jsonFloat is a float64 that JSON-encodes NaN and ±Inf as null and
// decodes null as NaN.
type jsonFloat float64

// MarshalJSON implements json.Marshaler.
func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = jsonFloat(math.NaN())
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("invalid number %s", b)
	}
	*f = jsonFloat(v)
	return nil
}
