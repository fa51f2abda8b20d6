package mae

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestNewRunDirDefault(t *testing.T) {
	t.Chdir(t.TempDir())
	a, err := NewRunDir("")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^runs/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d(-\d+)?$`).MatchString(filepath.ToSlash(a.Path)) {
		t.Errorf("run directory %q", a.Path)
	}
	// A second run in the same second gets a fresh directory.
	ts := time.Now()
	d1, err1 := newTimestampDir("runs2", ts)
	d2, err2 := newTimestampDir("runs2", ts)
	if err1 != nil || err2 != nil || d1 == d2 || d2 != d1+"-2" {
		t.Errorf("%q %q %v %v", d1, d2, err1, err2)
	}
	ents, _ := os.ReadDir(a.Path)
	if len(ents) != 0 {
		t.Errorf("write probe left %d files", len(ents))
	}
}

func TestRunDirPathsAndConfig(t *testing.T) {
	out := filepath.Join(t.TempDir(), "a", "b")
	r, err := NewRunDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.ReconPath(7) != filepath.Join(out, "recon-epoch-007.png") || r.LossPlotPath() != filepath.Join(out, "loss.png") ||
		r.MetricsPath() != filepath.Join(out, "metrics.jsonl") || r.CheckpointDir() != filepath.Join(out, "checkpoints") {
		t.Error("unexpected paths")
	}
	cfg, _ := Preset("tiny")
	if err := r.WriteConfig(cfg); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(r.ConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	var back Config
	if err := json.Unmarshal(b, &back); err != nil || back != cfg || !strings.Contains(string(b), "\n  \"ImageSize\": 28") {
		t.Errorf("config.json:\n%s", b)
	}
	if err := r.WriteConfig(func() {}); err == nil {
		t.Error("unencodable config: no error")
	}
}

func TestNewRunDirNotWritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	_, err := NewRunDir(filepath.Join(file, "run"))
	if err == nil || !strings.Contains(err.Error(), "choose another output directory") {
		t.Errorf("run directory under a file: %v", err)
	}
	if os.Geteuid() == 0 {
		t.Skip("root can write to read-only directories")
	}
	ro := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(ro, 0o555)
	if _, err := NewRunDir(ro); err == nil || !strings.Contains(err.Error(), "not writable") {
		t.Errorf("read-only directory: %v", err)
	}
}
