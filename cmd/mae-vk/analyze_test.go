package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mae-vk/mae-vk/analysis"
	"github.com/mae-vk/mae-vk/internal/idxtest"
)

// writeLabelledIDX writes train and test splits of 28×28 gray pictures
// whose pattern depends on the label (ten classes) to a new directory.
func writeLabelledIDX(t *testing.T, train, test int) string {
	t.Helper()
	dir := t.TempDir()
	for _, sp := range []struct {
		prefix string
		n      int
	}{{"train", train}, {"t10k", test}} {
		pix, lab := make([]byte, sp.n*28*28), make([]byte, sp.n)
		for k := range sp.n {
			lab[k] = byte(k % 10)
			for i := range 28 * 28 {
				x, y := i%28, i/28
				v := math.Sin(float64(x*(k%10+1))/5 + float64(y*(k%7+1))/9)
				if x < 3 || y < 3 || x > 24 || y > 24 {
					v = -1 // a background border, as Fashion-MNIST has
				}
				pix[k*28*28+i] = uint8(127 + 127*v)
			}
		}
		idxtest.WritePair(t, dir, sp.prefix, 28, 28, pix, lab, false)
	}
	return dir
}

// TestAnalyzeEndToEnd trains two micro runs for a few steps (patch 7 and
// 4), runs analyze on one with the other as --compare, and checks that the
// page, the JSON and every plot exist, that the page embeds the plots, and
// that every number in the JSON is finite.
func TestAnalyzeEndToEnd(t *testing.T) {
	noPipelineCache(t)
	data := writeLabelledIDX(t, 96, 48)
	runs := t.TempDir()
	for _, r := range []struct{ name, patch string }{{"p7", "7"}, {"p4", "4"}} {
		if _, err := runCLIErr(t, "train", "--preset", "micro", "--patch", r.patch, "--data", data, "--epochs", "1",
			"--steps", "2", "--batch", "16", "--quiet", "--recon-every", "0", "--out", filepath.Join(runs, r.name)); err != nil {
			t.Fatalf("train %s: %v", r.name, err)
		}
	}
	out := filepath.Join(t.TempDir(), "report")
	stdout, err := runCLIErr(t, "analyze", "--weights", filepath.Join(runs, "p7"), "--compare", filepath.Join(runs, "p4"),
		"--data", data, "--images", "6", "--probe-train", "40", "--probe-test", "20", "--out", out)
	if err != nil {
		t.Fatalf("analyze: %v", err)
	}
	if !strings.Contains(stdout, "index.html") {
		t.Errorf("analyze printed %q", stdout)
	}
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Q1.", "Q2.", "Q3.", "Q4.", "Q5.", "data:image/png;base64,"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if bytes.Contains(page, []byte(`src="q`)) {
		t.Error("index.html links a plot file instead of embedding it")
	}
	for _, k := range analysis.PlotKeys(2) {
		st, err := os.Stat(filepath.Join(out, k+".png"))
		if err != nil || st.Size() < 1000 {
			t.Errorf("plot %s: %v", k, err)
		}
	}
	raw, err := os.ReadFile(filepath.Join(out, "analysis.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("analysis.json: %v", err)
	}
	numbers := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			for _, e := range x {
				walk(path+"[]", e)
			}
		case float64:
			numbers++
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Errorf("%s = %v", path, x)
			}
		case nil:
			t.Errorf("%s is null", path)
		}
	}
	walk("", v)
	if numbers < 200 {
		t.Errorf("analysis.json holds only %d numbers", numbers)
	}
	var a analysis.Analysis
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Runs) != 2 || a.Trained == nil || a.Random == nil || len(a.Trained.Layers) != 2+1+1+1 {
		t.Errorf("analysis.json: %d runs, layers %+v", len(a.Runs), a.Trained)
	}
}

// TestProbeCommandJSON probes a micro run with both baselines and checks
// the JSON fields the issue names.
func TestProbeCommandJSON(t *testing.T) {
	noPipelineCache(t)
	data := writeLabelledIDX(t, 64, 32)
	run := filepath.Join(t.TempDir(), "run")
	if _, err := runCLIErr(t, "train", "--preset", "micro", "--data", data, "--epochs", "1", "--steps", "1", "--batch", "16", "--quiet", "--out", run); err != nil {
		t.Fatal(err)
	}
	stdout, err := runCLIErr(t, "probe", "--weights", run, "--data", data, "--epochs", "5", "--baseline", "random", "--baseline", "pixels", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Top1      *float64 `json:"top1"`
		KNNTop1   *float64 `json:"knn_top1"`
		Features  string   `json:"features"`
		NTrain    int      `json:"n_train"`
		Baselines []struct {
			Name string  `json:"name"`
			Top1 float64 `json:"top1"`
		} `json:"baselines"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("probe --json: %v\n%s", err, stdout)
	}
	if got.Top1 == nil || got.KNNTop1 == nil || got.Features != "cls" || got.NTrain != 64 || len(got.Baselines) != 2 ||
		got.Baselines[0].Name != "random" || got.Baselines[1].Name != "pixels" {
		t.Errorf("probe --json: %s", stdout)
	}
	if !(*got.Top1 >= 0 && *got.Top1 <= 1) {
		t.Errorf("top1 = %v", *got.Top1)
	}
	// The patterns depend on the label only: pixels separate them.
	if got.Baselines[1].Top1 < 0.9 {
		t.Errorf("pixel baseline top-1 %.3f on label-determined pictures, want ~1", got.Baselines[1].Top1)
	}
	stdout, err = runCLIErr(t, "probe", "--weights", run, "--data", data, "--features", "mean", "--train-images", "32", "--test-images", "16", "--epochs", "2")
	if err != nil || !strings.Contains(stdout, "mae (mean)") || !strings.Contains(stdout, "32") {
		t.Errorf("probe --features mean: %v\n%s", err, stdout)
	}
	if _, err := runCLIErr(t, "probe", "--weights", run, "--data", data, "--features", "max"); err == nil || !strings.Contains(err.Error(), "--features") {
		t.Errorf("bad --features: %v", err)
	}
	if _, err := runCLIErr(t, "probe", "--weights", run, "--data", data, "--baseline", "colour"); err == nil || !strings.Contains(err.Error(), "--baseline") {
		t.Errorf("bad --baseline: %v", err)
	}
}
