package mae

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMetricsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	w, err := OpenMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 17, 40, 5, 123e6, time.UTC)
	recs := []MetricsRecord{
		{Step: 1, Epoch: 0, Loss: 1.5, LR: 1e-4, ImgPerSec: 900, GradNorm: 2, Time: now},
		{Step: 2, Epoch: 0, Loss: math.NaN(), LR: 2e-4, ImgPerSec: math.Inf(1), GradNorm: 3, Time: now},
		{Step: 2, Epoch: 0, Loss: 1.25, Time: now, Eval: true},
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(recs[0]); err == nil {
		t.Error("write after Close: no error")
	}
	b, _ := os.ReadFile(path)
	if lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"); len(lines) != 3 || !strings.Contains(lines[0], `"img_per_s":900`) || !strings.Contains(lines[1], `"loss":null`) {
		t.Errorf("file:\n%s", b)
	}
	got, err := ReadMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != recs[0] || !math.IsNaN(got[1].Loss) || !math.IsNaN(got[1].ImgPerSec) || got[2] != recs[2] {
		t.Errorf("read back %+v", got)
	}
}

func TestMetricsCrashAndResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	// Steps 1–3 logged, then a crash in the middle of a line; resumed from step 2.
	// Reopening cuts the partial line off.
	os.WriteFile(path, []byte(`{"step":1,"loss":3}`+"\n"+`{"step":2,"loss":2}`+"\n"+`{"step":3,"loss":1}`+"\n"+`{"step":4,"lo`), 0o644)
	if recs, err := ReadMetrics(path); err != nil || len(recs) != 3 {
		t.Fatalf("partial last line: %d records, %v", len(recs), err)
	}
	w, err := OpenMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); strings.Contains(string(b), `"step":4`) {
		t.Errorf("partial line kept:\n%s", b)
	}
	w.Write(MetricsRecord{Step: 3, Loss: 1.5})
	w.Write(MetricsRecord{Step: 4, Loss: 1.25})
	w.Close()
	train, eval, err := ReadLossCurve(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []LossPoint{{1, 3}, {2, 2}, {3, 1.5}, {4, 1.25}}
	if !slices.Equal(train, want) || len(eval) != 0 {
		t.Errorf("train %v eval %v, want %v", train, eval, want)
	}
}

func TestReadMetricsBadLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	os.WriteFile(path, []byte("{\"step\":1,\"loss\":3}\n\nnot json\n{\"step\":2}\n"), 0o644)
	if _, err := ReadMetrics(path); err == nil || !strings.Contains(err.Error(), path+":3") {
		t.Errorf("error %v, want one naming line 3", err)
	}
	os.WriteFile(path, []byte(`{"step":1,"lo`), 0o644) // one partial line only
	w, err := OpenMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Errorf("file holds %q, want it empty", b)
	}
}
