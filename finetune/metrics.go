package finetune

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"time"
)

// Record is one line of a fine-tuning run's metrics.jsonl: a training step
// (Eval false) or an epoch's evaluation (Eval true, with Top1, Top5 and
// the held-out Loss). Accuracies are fractions.
type Record struct {
	Step      int64     `json:"step"`
	Epoch     int       `json:"epoch"`
	Loss      float64   `json:"loss"`
	TrainAcc  float64   `json:"train_acc,omitempty"` // top-1 against each sample's dominant (mixed) label
	LR        float64   `json:"lr,omitempty"`
	ImgPerSec float64   `json:"img_per_s,omitempty"`
	GradNorm  float64   `json:"grad_norm,omitempty"`
	Eval      bool      `json:"eval,omitempty"`
	Top1      float64   `json:"top1,omitempty"`
	Top5      float64   `json:"top5,omitempty"`
	Images    int       `json:"images,omitempty"` // images evaluated
	Time      time.Time `json:"time"`
}

// metricsFile appends records to metrics.jsonl.
type metricsFile struct{ f *os.File }

func openMetrics(path string) (*metricsFile, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("finetune: %w (choose a writable --out)", err)
	}
	return &metricsFile{f}, nil
}

func (m *metricsFile) write(r Record) error {
	if math.IsNaN(r.Loss) || math.IsInf(r.Loss, 0) {
		r.Loss = -1 // JSON has no NaN; the loop stops on it anyway
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := m.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("finetune: metrics: %w", err)
	}
	return nil
}

func (m *metricsFile) close() error { return m.f.Close() }

// ReadMetrics reads every complete record of a metrics.jsonl file.
func ReadMetrics(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r Record
		if json.Unmarshal(sc.Bytes(), &r) == nil {
			out = append(out, r)
		}
	}
	return out, sc.Err()
}
