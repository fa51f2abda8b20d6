package mae

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// LockFile is the file in a run directory that the training process
// holding the directory keeps locked.
const LockFile = ".lock"

// ErrLocked is wrapped by Lock's error when another process trains in the
// directory.
var ErrLocked = errors.New("another trainer uses this run directory")

// RunLock is a held lock on a run directory.
type RunLock struct {
	f *os.File
}

// Lock takes the run directory for this process, so that two trainers
// never write one run: an exclusive flock on <run>/.lock, which holds the
// PID of its holder. The operating system releases it when the process
// ends, however it ends (kill -9 too), so a lock never outlives its
// holder. A held lock is an error naming the holder's PID.
func (r *RunDir) Lock() (*RunLock, error) {
	path := filepath.Join(r.Path, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("mae: locking run directory %s: %w", r.Path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		holder := "another process"
		if b, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
				holder = fmt.Sprintf("process %d", pid)
			}
		}
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("mae: %s: %w: %s is training in it (wait for it to end or stop it, or choose another directory)", r.Path, ErrLocked, holder)
		}
		return nil, fmt.Errorf("mae: locking run directory %s: %w", r.Path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &RunLock{f: f}, nil
}

// Unlock releases the lock; a second call does nothing.
func (l *RunLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the last descriptor releases the flock
	l.f = nil
	return err
}
