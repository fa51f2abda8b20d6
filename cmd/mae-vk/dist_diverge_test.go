package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mae-vk/mae-vk/mae"
)

// TestMPIDivergenceCaught builds mae-vk with the maevk_testhooks tag,
// whose hook changes one parameter of rank 1 after step 2 (after the save
// of step 2), and checks that the parameter check of step 3 stops the job
// non-zero with a message naming rank 1 and the step, and that the latest
// checkpoint (step 2) still loads.
func TestMPIDivergenceCaught(t *testing.T) {
	mpiTest(t)
	bin := filepath.Join(t.TempDir(), "mae-vk-testhooks")
	if out, err := exec.Command("go", "build", "-tags", "maevk_testhooks", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags maevk_testhooks: %v\n%s", err, out)
	}
	data := writeTestIDX(t, 64)
	run := filepath.Join(t.TempDir(), "run")
	args := append(mpirunArgs(2), "-x", "MAEVK_TEST_DIVERGE=1:2", bin, "train", "--preset", "micro", "--data", data, "--split", "test",
		"--epochs", "1", "--steps", "4", "--batch", "8", "--seed", "7", "--save-every", "2", "--check-every", "3",
		"--recon-every", "0", "--workers", "1", "--quiet", "--out", run)
	out, err := runBounded(t, 10*time.Minute, "mpirun", args...)
	var ee *exec.ExitError
	if err == nil || !errors.As(err, &ee) || ee.ExitCode() == 0 {
		t.Fatalf("mpirun ended with %v after rank 1's parameters changed, want a non-zero status:\n%s", err, out)
	}
	noValidationMessages(t, out)
	for _, want := range []string{"changed a parameter of rank 1 after step 2", "parameter checksum at step 3 differs between ranks", "rank(s) 1 differ from rank 0", "diverged"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	ck, err := mae.LoadCheckpoint(filepath.Join(run, "checkpoints"))
	if err != nil {
		t.Fatalf("the latest checkpoint does not load after the divergence: %v", err)
	}
	if ck.State.Step != 2 {
		t.Errorf("latest checkpoint at step %d, want 2 (the last save before the divergence)", ck.State.Step)
	}
}
