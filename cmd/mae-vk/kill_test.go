package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTrainKill9AndResume trains in a child process, kills it with
// SIGKILL after a few steps (checkpoints every 3 steps), and resumes: the
// lock died with the child, and metrics.jsonl holds every step once, in
// order.
func TestTrainKill9AndResume(t *testing.T) {
	if args := os.Getenv("MAEVK_CLI_CHILD"); args != "" {
		if err := newApp().Run(append([]string{"mae-vk"}, strings.Split(args, "\x1f")...)); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	noPipelineCache(t)
	run := filepath.Join(t.TempDir(), "run")
	args := append(slices.Clone(microTrain), "--steps", "1000", "--save-every", "3", "--out", run)
	child := exec.Command(os.Args[0], "-test.run=^TestTrainKill9AndResume$")
	child.Env = append(os.Environ(), "MAEVK_CLI_CHILD="+strings.Join(args, "\x1f"))
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	for len(readLines(filepath.Join(run, "metrics.jsonl"))) < 5 {
		select {
		case err := <-exited:
			t.Fatalf("child ended early: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := child.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	<-exited
	logged := len(readLines(filepath.Join(run, "metrics.jsonl")))
	resumed := latestStep(t, run)
	t.Logf("killed after %d steps logged; newest checkpoint at step %d", logged, resumed)
	until := int64(logged) + 2
	train(t, "--resume", run, "--steps", strconv.FormatInt(until, 10))
	want := make([]int64, until)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if got := metricSteps(t, run); !slices.Equal(got, want) {
		t.Errorf("metrics steps after kill -9 and resume: %v, want 1 to %d once each", got, until)
	}
}
