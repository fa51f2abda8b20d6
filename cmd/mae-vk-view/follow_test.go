package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// followLatency is how soon after the trainer has written a checkpoint the
// viewer must show it ("within a few seconds"); the viewer polls every
// 0.5 s, then loads the weights and reconstructs.
const followLatency = 8 * time.Second

// TestViewerFollowsTraining runs mae-vk-view --follow on a run while the
// run is resumed for two more steps: the viewer must show the new
// checkpoint's step, and the new points of the loss curve, within
// followLatency of the trainer finishing.
func TestViewerFollowsTraining(t *testing.T) {
	needTools(t, "Xvfb")
	bin := buildBinaries(t)
	display := startXvfb(t)
	run := filepath.Join(t.TempDir(), "run")
	train := func(args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, "mae-vk"), append([]string{"train", "--quiet"}, args...)...)
		cmd.Env = os.Environ()
		return cmd
	}
	if out, err := train("--preset", "micro", "--steps", "2", "--batch", "16", "--out", run).CombinedOutput(); err != nil {
		t.Fatalf("mae-vk train: %v\n%s", err, out)
	}
	v := startViewer(t, bin, display, "--follow", "--images", "1", run)
	f := v.waitFrame("step 2 and its loss curve", 0, frameTimeout, func(f frame) bool { return f.Step == 2 && f.CurvePoints == 2 })

	trainer := train("--resume", run, "--steps", "4")
	var log strings.Builder
	trainer.Stdout, trainer.Stderr = &log, &log
	if err := trainer.Run(); err != nil {
		t.Fatalf("mae-vk train --resume: %v\n%s", err, log.String())
	}
	written := time.Now()
	g := v.waitFrame("step 4", f.Frame, followLatency, func(f frame) bool { return f.Step == 4 && f.CurvePoints == 4 })
	t.Logf("the viewer showed step 4 %.2f s after the trainer exited", time.Since(written).Seconds())
	if !strings.Contains(g.Status, "step 4") {
		t.Errorf("status bar %q: want step 4", g.Status)
	}
}

// TestViewerWithoutDisplay checks the error without a display: it must
// say what is missing and point to mae-vk reconstruct.
func TestViewerWithoutDisplay(t *testing.T) {
	bin := buildBinaries(t)
	run := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(filepath.Join(bin, "mae-vk"), "train", "--quiet", "--preset", "micro", "--steps", "1", "--batch", "8", "--out", run)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mae-vk train: %v\n%s", err, out)
	}
	view := exec.Command(filepath.Join(bin, "mae-vk-view"), run)
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "DISPLAY=") && !strings.HasPrefix(e, "WAYLAND_DISPLAY=") {
			view.Env = append(view.Env, e)
		}
	}
	out, err := view.CombinedOutput()
	if err == nil {
		t.Fatalf("mae-vk-view without a display succeeded:\n%s", out)
	}
	for _, want := range []string{"needs a display (X11 or Wayland)", "mae-vk reconstruct"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("error %q does not say %q", out, want)
		}
	}
}
