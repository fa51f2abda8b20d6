package mae

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNewRunDirRefusesARun: a directory holding a run (config.json,
// metrics.jsonl or checkpoints) is never reused for a new run; an empty
// existing directory is fine.
func TestNewRunDirRefusesARun(t *testing.T) {
	for _, f := range []string{"config.json", "metrics.jsonl", "checkpoints"} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, f), []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := NewRunDir(dir)
		if !errors.Is(err, ErrRunExists) || !isConfigError(err, "Out") || !strings.Contains(err.Error(), f) {
			t.Errorf("%s present: %v, want ErrRunExists naming it", f, err)
		}
	}
	if _, err := NewRunDir(t.TempDir()); err != nil {
		t.Errorf("empty directory: %v", err)
	}
}

// TestRunDirLock takes a run directory's lock in a child process: a second
// Lock is refused naming the child's PID, and once the child is killed
// with SIGKILL the lock is free again.
func TestRunDirLock(t *testing.T) {
	if dir := os.Getenv("MAEVK_LOCK_HELPER"); dir != "" {
		if _, err := (&RunDir{Path: dir}).Lock(); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		select {} // hold it until killed
	}
	dir := t.TempDir()
	child := exec.Command(os.Args[0], "-test.run=^TestRunDirLock$")
	child.Env = append(os.Environ(), "MAEVK_LOCK_HELPER="+dir)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "locked\n" {
		t.Fatalf("helper: %q", line)
	}
	rd := &RunDir{Path: dir}
	_, err = rd.Lock()
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", child.Process.Pid)) {
		t.Fatalf("second Lock: %v, want ErrLocked naming process %d", err, child.Process.Pid)
	}
	t.Log(err)
	if err := child.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	child.Wait()
	l, err := rd.Lock()
	if err != nil {
		t.Fatalf("after kill -9 of the holder: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}
