package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mae-vk/mae-vk/mae"
)

// The MPI tests start mae-vk under mpirun. tools/test.sh sets
// MAEVK_MPI_TESTS=1 on its lavapipe pass (make setup installs OpenMPI);
// elsewhere they are skipped.

var testBinary struct {
	once sync.Once
	path string
	err  error
}

// mpiTest skips t unless the MPI tests are on, and fails it when they are
// on but mpirun is missing; it returns the mae-vk binary to start.
func mpiTest(t *testing.T) string {
	t.Helper()
	if os.Getenv("MAEVK_MPI_TESTS") != "1" {
		t.Skip("MPI tests run with MAEVK_MPI_TESTS=1 (make test sets it on lavapipe)")
	}
	if _, err := exec.LookPath("mpirun"); err != nil {
		t.Fatal("MAEVK_MPI_TESTS=1 but mpirun is missing: run make setup (it installs openmpi-bin)")
	}
	noPipelineCache(t)
	testBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "mae-vk-mpi-test")
		if err != nil {
			testBinary.err = err
			return
		}
		testBinary.path = filepath.Join(dir, "mae-vk")
		out, err := exec.Command("go", "build", "-o", testBinary.path, ".").CombinedOutput()
		if err != nil {
			testBinary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if testBinary.err != nil {
		t.Fatal(testBinary.err)
	}
	return testBinary.path
}

// mpirunArgs starts np ranks on this machine: as root, oversubscribed,
// and unbound (bound ranks starve the CPU Vulkan drivers' threads).
func mpirunArgs(np int) []string {
	return []string{"--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", fmt.Sprint(np)}
}

// launcher is the command that starts np ranks of bin with args: OpenMPI's
// mpirun, or the launcher MAEVK_MPIEXEC names (e.g. mpiexec.mpich, for
// checking MPICH by hand), started with -n np.
func launcher(np int, bin string, args ...string) (string, []string) {
	if l := os.Getenv("MAEVK_MPIEXEC"); l != "" {
		return l, append([]string{"-n", fmt.Sprint(np), bin}, args...)
	}
	return "mpirun", append(append(mpirunArgs(np), bin), args...)
}

// runBounded runs cmd with a time limit and returns its combined output.
func runBounded(t *testing.T, limit time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %s did not finish within %v:\n%s", name, strings.Join(args, " "), limit, out)
	}
	return string(out), err
}

// noValidationMessages fails t if out holds a Vulkan validation message.
func noValidationMessages(t *testing.T, out string) {
	t.Helper()
	if strings.Contains(out, "VUID") || strings.Contains(out, "SYNC-HAZARD") || strings.Contains(out, "vulkan warning") || strings.Contains(out, "vulkan error") {
		t.Fatalf("validation messages:\n%s", out)
	}
}

// trainArgs are the flags of a short run on data with large, clipped
// updates, so that a wrong gradient shows in the losses, gradient norms
// and weights within a few steps.
func trainArgs(data, out string, batch, accum int) []string {
	return []string{"train", "--preset", "micro", "--data", data, "--split", "test", "--epochs", "1", "--steps", "4",
		"--batch", fmt.Sprint(batch), "--accum", fmt.Sprint(accum), "--lr", "2e-3", "--warmup-epochs", "0", "--clip-grad", "0.5",
		"--seed", "3", "--recon-every", "0", "--check-every", "2", "--workers", "1", "--quiet", "--out", out}
}

func relClose(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(math.Abs(a), math.Abs(b))
}

// TestMPIEquivalence checks the contract of data-parallel training: two
// ranks at batch 8 make, step by step, the same losses and gradient norms
// as one process at batch 16 and end with the same weights (relative
// 1e-5), with and without gradient accumulation.
func TestMPIEquivalence(t *testing.T) {
	bin := mpiTest(t)
	data := writeTestIDX(t, 256)
	for _, accum := range []int{1, 2} {
		t.Run(fmt.Sprintf("accum%d", accum), func(t *testing.T) {
			dir := t.TempDir()
			multi, single := filepath.Join(dir, "two-ranks"), filepath.Join(dir, "one")
			name, args := launcher(2, bin, trainArgs(data, multi, 8, accum)...)
			out, err := runBounded(t, 10*time.Minute, name, args...)
			if err != nil {
				t.Fatalf("mpirun: %v\n%s", err, out)
			}
			noValidationMessages(t, out)
			if want := fmt.Sprintf("global batch %d = 2 ranks × batch 8 × accum %d", 16*accum, accum); !strings.Contains(out, want) {
				t.Errorf("rank 0 did not report the global batch:\n%s", out)
			}
			out1, err := runBounded(t, 10*time.Minute, bin, trainArgs(data, single, 16, accum)...)
			if err != nil {
				t.Fatalf("one process: %v\n%s", err, out1)
			}
			compareRuns(t, multi, single)
		})
	}
}

// compareRuns compares two run directories' metrics and last weights.
func compareRuns(t *testing.T, got, want string) {
	t.Helper()
	gm, err := mae.ReadMetrics(filepath.Join(got, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	wm, err := mae.ReadMetrics(filepath.Join(want, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(gm) != 4 || len(wm) != 4 {
		t.Fatalf("%d and %d metric records, want 4 each", len(gm), len(wm))
	}
	for i := range gm {
		g, w := gm[i], wm[i]
		if g.Step != w.Step || !relClose(g.Loss, w.Loss, 1e-5) || !relClose(g.GradNorm, w.GradNorm, 1e-5) || !relClose(g.LR, w.LR, 1e-9) {
			t.Errorf("step %d: two ranks loss %.8g grad norm %.8g lr %g; one process loss %.8g grad norm %.8g lr %g",
				w.Step, g.Loss, g.GradNorm, g.LR, w.Loss, w.GradNorm, w.LR)
		}
	}
	gc, err := mae.LoadCheckpoint(filepath.Join(got, "checkpoints"))
	if err != nil {
		t.Fatal(err)
	}
	wc, err := mae.LoadCheckpoint(filepath.Join(want, "checkpoints"))
	if err != nil {
		t.Fatal(err)
	}
	if gc.State.Step != 4 || wc.State.Step != 4 {
		t.Fatalf("checkpoints at steps %d and %d, want 4", gc.State.Step, wc.State.Step)
	}
	init, _ := mae.Init(wc.Params.Config, 3)
	for _, tn := range wc.Params.Layout.Tensors {
		a, b := gc.Params.View(tn.Name), wc.Params.View(tn.Name)
		var diff, norm, moved float64
		for i := range a {
			if strings.HasSuffix(tn.Name, "qkv.bias") && i >= len(a)/3 && i < 2*len(a)/3 {
				// The key bias: softmax ignores it, so its true
				// gradient is 0 and AdamW turns its rounding noise
				// into ±lr steps, which summation order decides.
				continue
			}
			diff += sq(float64(a[i]) - float64(b[i]))
			norm += sq(float64(b[i]))
			moved += sq(float64(b[i]) - float64(init.View(tn.Name)[i]))
		}
		if diff > 1e-10*norm {
			t.Errorf("%s: weights differ by %.3g relative", tn.Name, math.Sqrt(diff/norm))
		}
		if tn.Name == "blocks.0.attn.qkv.weight" && moved < 1e-6*norm {
			t.Errorf("%s barely moved (%.3g relative): the test would not see a wrong update", tn.Name, math.Sqrt(moved/norm))
		}
	}
}

func sq(x float64) float64 { return x * x }

// TestMPIRankDies kills rank 1 with SIGKILL in the middle of a run and
// checks that the job ends non-zero within 60 s with a message naming rank
// 1, and that the run's latest checkpoint still loads.
func TestMPIRankDies(t *testing.T) {
	bin := mpiTest(t)
	data := writeTestIDX(t, 64)
	run := filepath.Join(t.TempDir(), "run")
	args := append(mpirunArgs(2), bin, "train", "--preset", "micro", "--data", data, "--split", "test",
		"--epochs", "1000", "--batch", "8", "--seed", "5", "--recon-every", "0", "--workers", "1", "--quiet", "--out", run)
	var out bytes.Buffer
	cmd := exec.Command("mpirun", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()
	latest := filepath.Join(run, "checkpoints", "latest")
	deadline := time.Now().Add(8 * time.Minute)
	for {
		if _, err := os.Stat(latest); err == nil {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the run ended (%v) before its first checkpoint:\n%s", err, out.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint after 8 minutes:\n%s", out.String())
		}
	}
	time.Sleep(2 * time.Second) // mid-epoch, possibly mid-checkpoint
	pid, err := rankPID(bin, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() == 0 {
			t.Errorf("mpirun exited with %v after rank 1 died, want a non-zero status", err)
		}
		t.Logf("the job ended %v after the kill", time.Since(killed).Round(time.Millisecond))
	case <-time.After(60 * time.Second):
		t.Fatalf("the job still runs 60 s after rank 1 was killed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "rank 1") {
		t.Errorf("no message names rank 1:\n%s", out.String())
	}
	if _, err := rankPID(bin, 0); err == nil {
		t.Error("rank 0 still runs after mpirun exited")
	}
	ck, err := mae.LoadCheckpoint(filepath.Join(run, "checkpoints"))
	if err != nil {
		t.Fatalf("the latest checkpoint does not load after the failure: %v", err)
	}
	t.Logf("latest checkpoint: step %d", ck.State.Step)
}

// rankPID finds the process of bin that OpenMPI started as rank.
func rankPID(bin string, rank int) (int, error) {
	procs, _ := filepath.Glob("/proc/[0-9]*")
	want := fmt.Sprintf("OMPI_COMM_WORLD_RANK=%d", rank)
	for _, p := range procs {
		exe, err := os.Readlink(filepath.Join(p, "exe"))
		if err != nil || exe != bin {
			continue
		}
		env, err := os.ReadFile(filepath.Join(p, "environ"))
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if string(kv) == want {
				var pid int
				fmt.Sscan(filepath.Base(p), &pid)
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("no process of %s runs as rank %d", bin, rank)
}

// TestMPIConfigMismatch starts two ranks with different --seed and checks
// that both refuse at start-up, naming the flag, before any step.
func TestMPIConfigMismatch(t *testing.T) {
	bin := mpiTest(t)
	data := writeTestIDX(t, 64)
	run := filepath.Join(t.TempDir(), "run")
	common := []string{"train", "--preset", "micro", "--data", data, "--split", "test", "--batch", "8", "--steps", "2", "--quiet", "--out", run}
	args := append([]string{"--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
		"-np", "1", bin}, append(common, "--seed", "1")...)
	args = append(append(args, ":", "-np", "1", bin), append(common, "--seed", "2")...)
	out, err := runBounded(t, 5*time.Minute, "mpirun", args...)
	if err == nil {
		t.Fatalf("ranks with --seed 1 and 2 trained:\n%s", out)
	}
	for _, want := range []string{"differs between ranks", "config.seed (rank 0: 1, rank 1: 2)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(run, "metrics.jsonl")); err == nil {
		t.Error("the refused run wrote metrics")
	}
}

// TestTrainWithoutMPI checks that, with no MPI library to load, training
// still runs, and --dist mpi says what to install.
func TestTrainWithoutMPI(t *testing.T) {
	noPipelineCache(t)
	t.Setenv("MAEVK_MPI_LIB", filepath.Join(t.TempDir(), "libmpi.so.40"))
	for _, k := range []string{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"} {
		t.Setenv(k, "")
	}
	data := writeTestIDX(t, 32)
	args := []string{"train", "--preset", "micro", "--data", data, "--split", "test", "--batch", "8", "--steps", "1",
		"--recon-every", "0", "--quiet", "--out", filepath.Join(t.TempDir(), "run")}
	if _, err := runCLIErr(t, args...); err != nil {
		t.Fatalf("training without MPI: %v", err)
	}
	_, err := runCLIErr(t, append(args, "--dist", "mpi")...)
	if err == nil || !strings.Contains(err.Error(), "apt-get install openmpi-bin") {
		t.Fatalf("--dist mpi without MPI: %v, want what to install", err)
	}
}

// TestMPIEval checks that eval split over two ranks reports what one
// process reports: the same images and the same mean loss. 52 images in
// batches of 8 make 7 batches, the last partial (on rank 0) and a padding
// batch on rank 1.
func TestMPIEval(t *testing.T) {
	bin := mpiTest(t)
	ck, _ := microFiles(t)
	data := writeTestIDX(t, 52)
	args := []string{"eval", "--weights", ck, "--data", data, "--split", "test", "--batch", "8", "--seed", "4", "--json"}
	name, margs := launcher(2, bin, args...)
	out2, err := runBounded(t, 5*time.Minute, name, margs...)
	if err != nil {
		t.Fatalf("mpirun eval: %v\n%s", err, out2)
	}
	out1, err := runBounded(t, 5*time.Minute, bin, args...)
	if err != nil {
		t.Fatalf("eval: %v\n%s", err, out1)
	}
	two, one := evalJSONOf(t, jsonPart(out2)), evalJSONOf(t, jsonPart(out1))
	if two["images"] != one["images"] || one["images"] != float64(52) {
		t.Errorf("two ranks evaluated %v images, one process %v, want 52", two["images"], one["images"])
	}
	if !relClose(two["loss"].(float64), one["loss"].(float64), 1e-6) {
		t.Errorf("two ranks: loss %v, one process: %v", two["loss"], one["loss"])
	}
}

// jsonPart is the JSON object in a command's combined output.
func jsonPart(out string) string {
	i, j := strings.Index(out, "{"), strings.LastIndex(out, "}")
	if i < 0 || j < i {
		return out
	}
	return out[i : j+1]
}

// TestMPIResumeOtherN trains 2 steps on two ranks, resumes the run in one
// process (which takes the global batch, 16) for 2 more steps, and checks
// that the run equals 4 uninterrupted steps of one process.
func TestMPIResumeOtherN(t *testing.T) {
	bin := mpiTest(t)
	data := writeTestIDX(t, 256)
	dir := t.TempDir()
	split, whole := filepath.Join(dir, "split"), filepath.Join(dir, "whole")
	first := trainArgs(data, split, 8, 1)
	first[slices.Index(first, "--steps")+1] = "2"
	out, err := runBounded(t, 10*time.Minute, "mpirun", append(mpirunArgs(2), append([]string{bin}, first...)...)...)
	if err != nil {
		t.Fatalf("mpirun: %v\n%s", err, out)
	}
	out, err = runBounded(t, 10*time.Minute, bin, "train", "--resume", split, "--epochs", "1", "--steps", "4", "--quiet")
	if err != nil {
		t.Fatalf("resume in one process: %v\n%s", err, out)
	}
	out, err = runBounded(t, 10*time.Minute, bin, trainArgs(data, whole, 16, 1)...)
	if err != nil {
		t.Fatalf("one process: %v\n%s", err, out)
	}
	compareRuns(t, split, whole)
}

// TestMPIRankError gives rank 1 a data set that does not exist: it must
// fail naming itself and the flag, and take rank 0 down with it.
func TestMPIRankError(t *testing.T) {
	bin := mpiTest(t)
	data := writeTestIDX(t, 32)
	run := filepath.Join(t.TempDir(), "run")
	common := []string{"train", "--preset", "micro", "--split", "test", "--batch", "8", "--steps", "2", "--quiet", "--out", run}
	args := append([]string{"--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
		"-np", "1", bin}, append(common, "--data", data)...)
	args = append(append(args, ":", "-np", "1", bin), append(common, "--data", "/nonexistent")...)
	out, err := runBounded(t, 2*time.Minute, "mpirun", args...)
	if err == nil {
		t.Fatalf("the job succeeded with a missing data set on rank 1:\n%s", out)
	}
	if !strings.Contains(out, "rank 1 of 2 failed: --data /nonexistent") {
		t.Errorf("no message names rank 1 and the flag:\n%s", out)
	}
}
