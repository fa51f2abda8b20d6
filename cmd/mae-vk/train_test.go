package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/urfave/cli/v2"
)

// runCLIAll runs the app with args and returns what it printed to stdout
// and stderr together, and its error.
func runCLIAll(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return runCapture(t, true, args...)
}

// microTrain are the flags of a short training run on Fashion-MNIST.
var microTrain = []string{"train", "--preset", "micro", "--batch", "16", "--epochs", "1", "--recon-every", "0", "--quiet"}

func train(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runCLIAll(t, append(slices.Clone(microTrain), args...)...)
	if err != nil {
		t.Fatalf("train %q: %v\n%s", args, err, out)
	}
	return out
}

// metricSteps lists the training steps in a run's metrics.jsonl.
func metricSteps(t *testing.T, run string) []int64 {
	t.Helper()
	recs, err := mae.ReadMetrics(filepath.Join(run, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var steps []int64
	for _, r := range recs {
		if !r.Eval {
			steps = append(steps, r.Step)
		}
	}
	return steps
}

func latestStep(t *testing.T, run string) int64 {
	t.Helper()
	ck, err := mae.LoadCheckpoint(filepath.Join(run, "checkpoints"))
	if err != nil {
		t.Fatalf("%s: %v", run, err)
	}
	return ck.State.Step
}

// TestTrainResumeContinuesInNamedDir starts a run with a relative --out,
// copies it, and resumes the copy from another working directory: the
// copy continues in itself, the original is untouched; a second --out on
// the run is refused; the start-up summary is a few lines, not the config.
func TestTrainResumeContinuesInNamedDir(t *testing.T) {
	noPipelineCache(t)
	first, second := t.TempDir(), t.TempDir()
	t.Chdir(first)
	out := train(t, "--steps", "2", "--out", "run")
	if !strings.HasPrefix(out, "model  micro:") || strings.Contains(out, `"preset"`) || strings.Count(out, "\n") > 8 {
		t.Errorf("train opened with:\n%s", out)
	}
	orig := filepath.Join(first, "run")
	cp := filepath.Join(second, "copy")
	if err := exec.Command("cp", "-a", orig, cp).Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLIAll(t, append(slices.Clone(microTrain), "--steps", "3", "--out", "run")...); err == nil || !strings.Contains(err.Error(), "--resume run") {
		t.Errorf("--out on an existing run: %v, want a refusal advising --resume", err)
	}
	t.Chdir(second)
	train(t, "--resume", cp, "--steps", "3")
	if s := latestStep(t, cp); s != 3 {
		t.Errorf("copy: latest checkpoint at step %d, want 3", s)
	}
	if s := latestStep(t, orig); s != 2 {
		t.Errorf("original: latest checkpoint at step %d after resuming the copy, want 2", s)
	}
	if got := metricSteps(t, cp); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("copy's metrics steps %v", got)
	}
	if ents, _ := os.ReadDir(second); len(ents) != 1 {
		t.Errorf("resuming from another directory wrote there: %d entries", len(ents))
	}
	b, _ := os.ReadFile(filepath.Join(cp, "config.json"))
	if !strings.Contains(string(b), `"out": "`+cp+`"`) {
		t.Errorf("copy's config.json names another directory:\n%s", b)
	}
	// Flags that would change the run are refused, repeating its values
	// or changing its length is fine.
	_, err := runCLIAll(t, "train", "--resume", cp, "--batch", "32", "--blr", "1e-3", "--steps", "3")
	if err == nil || !strings.Contains(err.Error(), "--batch 32 (the run has 16)") || !strings.Contains(err.Error(), "--blr") {
		t.Errorf("--resume with --batch 32 --blr: %v", err)
	}
	if out, err := runCLIAll(t, "train", "--resume", cp, "--batch", "16", "--preset", "micro", "--steps", "3", "--quiet"); err != nil {
		t.Errorf("--resume repeating the run's flags: %v\n%s", err, out)
	}
}

// TestTrainLockedRunDir: a run directory held by another process is
// refused, naming that process.
func TestTrainLockedRunDir(t *testing.T) {
	noPipelineCache(t)
	run := filepath.Join(t.TempDir(), "run")
	train(t, "--steps", "1", "--out", run)
	l, err := (&mae.RunDir{Path: run}).Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	_, err = runCLIAll(t, "train", "--resume", run, "--steps", "2")
	if !errors.Is(err, mae.ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", os.Getpid())) {
		t.Errorf("second trainer: %v", err)
	}
}

// TestTrainFirstSaveKilled: a run killed during its first save (a partial
// temporary checkpoint, no complete one) resumes from step 0.
func TestTrainFirstSaveKilled(t *testing.T) {
	noPipelineCache(t)
	run := filepath.Join(t.TempDir(), "run")
	train(t, "--steps", "2", "--out", run)
	ck := filepath.Join(run, "checkpoints")
	os.RemoveAll(filepath.Join(ck, "ckpt-2"))
	os.Remove(filepath.Join(ck, "latest"))
	if err := os.MkdirAll(filepath.Join(ck, ".ckpt-2.tmp-123"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := train(t, "--resume", run, "--steps", "2")
	if !strings.Contains(out, "starting it again from step 0") {
		t.Errorf("no message about starting again:\n%s", out)
	}
	if s := latestStep(t, run); s != 2 {
		t.Errorf("latest checkpoint at step %d, want 2", s)
	}
	if got := metricSteps(t, run); !slices.Equal(got, []int64{1, 2}) {
		t.Errorf("metrics steps %v, want 1 2", got)
	}
}

// TestTrainSIGHUPSaves sends SIGHUP (a lost ssh session) to a training
// run: it stops with a checkpoint that loads.
func TestTrainSIGHUPSaves(t *testing.T) {
	noPipelineCache(t)
	run := filepath.Join(t.TempDir(), "run")
	exiter := cli.OsExiter
	cli.OsExiter = func(int) {} // the exit code is checked on the error
	defer func() { cli.OsExiter = exiter }()
	errc := make(chan error, 1)
	go func() {
		_, err := runCLIAll(t, append(slices.Clone(microTrain), "--steps", "1000", "--out", run)...)
		errc <- err
	}()
	for len(readLines(filepath.Join(run, "metrics.jsonl"))) < 2 {
		select {
		case err := <-errc:
			t.Fatalf("train ended early: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	err := <-errc
	var ec interface{ ExitCode() int }
	if !errors.As(err, &ec) || ec.ExitCode() != 130 {
		t.Errorf("after SIGHUP: %v, want exit 130", err)
	}
	if s := latestStep(t, run); s < 2 {
		t.Errorf("checkpoint after SIGHUP at step %d", s)
	}
}

func readLines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		out = append(out, sc.Text())
	}
	return out
}

// TestTrainBadValues: each bad value is an error naming its flag, before
// anything is written.
func TestTrainBadValues(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--mask-ratio", "0"}, "--mask-ratio 0:"},
		{[]string{"--mask-ratio", "0.99"}, "--mask-ratio 0.99: keeps no patch"},
		{[]string{"--lr", "-1"}, "--lr -1:"},
		{[]string{"--workers", "-3"}, "--workers -3:"},
		{[]string{"--batch", "0"}, "--batch 0:"},
		{[]string{"--save-every", "soon"}, "--save-every"},
		{[]string{"--eval-every", "-1"}, "--eval-every -1:"},
	} {
		_, err := runCLIAll(t, append([]string{"train", "--preset", "micro"}, c.args...)...)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("train %q: %v, want an error starting %q", c.args, err, c.want)
		}
	}
	if ents, _ := os.ReadDir("."); len(ents) != 0 {
		t.Errorf("bad values left %d entries in the working directory", len(ents))
	}
}

// TestTrainRefusedForMemoryLeavesNothing: a run the memory plan refuses
// (vit-b16 at batch 4096) fails with the plan's one line naming the flags
// that lower it, before the run directory is made.
func TestTrainRefusedForMemoryLeavesNothing(t *testing.T) {
	t.Chdir(t.TempDir())
	_, err := runCLIAll(t, "train", "--preset", "vit-b16", "--augment", "mae", "--batch", "4096", "--out", "run")
	if err == nil || !strings.Contains(err.Error(), "--batch") || !strings.Contains(err.Error(), "needs") {
		t.Fatalf("vit-b16 at batch 4096: %v, want the memory plan's refusal", err)
	}
	if ents, _ := os.ReadDir("."); len(ents) != 0 {
		t.Errorf("a refused run left %d entries in the working directory (%s…)", len(ents), ents[0].Name())
	}
}
