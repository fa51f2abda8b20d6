package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestFinetuneCommand fine-tunes micro for one short epoch from a
// checkpoint, prints the result as JSON, then scores the run's best
// weights with eval --task classify on a small IDX test split of 37
// images (batches of 8, the last one padded: every image is scored).
func TestFinetuneCommand(t *testing.T) {
	noPipelineCache(t)
	ck, _ := microFiles(t)
	out := filepath.Join(t.TempDir(), "run")
	res := runCLI(t, "finetune", "--preset", "micro", "--weights", ck, "--train-images", "64", "--eval-images", "32",
		"--batch", "32", "--epochs", "1", "--workers", "2", "--out", out, "--quiet", "--json")
	var js struct {
		RunDir string
		Steps  int64
		Best   struct{ Top1, Top5 float64 }
	}
	if err := json.Unmarshal([]byte(res), &js); err != nil {
		t.Fatalf("finetune --json: %v\n%s", err, res)
	}
	if js.RunDir != out || js.Steps != 2 || !(js.Best.Top5 >= js.Best.Top1) {
		t.Errorf("finetune --json: %+v", js)
	}
	data := writeTestIDX(t, 37)
	line := runCLI(t, "eval", "--task", "classify", "--weights", out, "--data", data, "--batch", "8", "--json")
	var ev struct {
		Images     int
		Top1, Top5 float64
	}
	if err := json.Unmarshal([]byte(line), &ev); err != nil {
		t.Fatalf("eval --task classify --json: %v\n%s", err, line)
	}
	if ev.Images != 37 || !(ev.Top5 >= ev.Top1) {
		t.Errorf("eval --task classify: %+v", ev)
	}
}

// TestFinetuneCommandBadInput checks that bad flags are refused naming
// the flag.
func TestFinetuneCommandBadInput(t *testing.T) {
	noPipelineCache(t)
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"finetune", "--preset", "micro", "--weights", filepath.Join(dir, "nope"), "--out", dir}, "--weights"},
		{[]string{"finetune", "--preset", "micro", "--randaug", "augmix-m9", "--out", dir}, "--randaug"},
		{[]string{"finetune", "--preset", "micro", "--drop-path", "1.5", "--out", dir}, "--drop-path"},
		{[]string{"finetune", "--preset", "micro", "--layer-decay", "0", "--out", dir}, "--layer-decay"},
		{[]string{"eval", "--task", "segment", "--weights", dir}, "--task"},
		{[]string{"eval", "--task", "classify", "--weights", filepath.Join(dir, "nope")}, "--weights"},
	} {
		_, err := runCLIErr(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error naming %s", c.args, err, c.want)
		}
	}
}
