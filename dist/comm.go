package dist

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/mae-vk/mae-vk/dist/mpi"
)

// DefaultTimeout bounds one collective operation: a rank that waits longer
// for the others stops with an error, so that a dead or hung rank never
// leaves the job waiting silently. Launchers (mpirun, srun) usually notice
// a dead process and end the job much sooner.
const DefaultTimeout = 5 * time.Minute

// ErrTimeout is wrapped by the error of a collective that got no answer
// from the other ranks within the Comm's timeout.
var ErrTimeout = errors.New("no answer from the other ranks")

// Comm is one process's membership in a data-parallel run over MPI. All MPI
// calls run on one goroutine locked to the OS thread that initialised MPI
// (MPI_THREAD_FUNNELED); callers wait for each with a timeout. Every
// method is collective unless its doc says otherwise: all ranks must call
// it, in the same order.
type Comm struct {
	lib     *mpi.Lib
	rank    int
	size    int
	local   int
	timeout time.Duration
	calls   chan func()
	closed  bool
	launch  Launch // what the launcher's environment said
}

// Open loads MPI, initialises it and returns this process's Comm. launch
// gives the local rank (from the launcher's environment); timeout bounds
// each collective (0: DefaultTimeout).
func Open(launch Launch, timeout time.Duration) (*Comm, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c := &Comm{timeout: timeout, calls: make(chan func()), local: launch.LocalRank, launch: launch}
	ready := make(chan error, 1)
	go c.serve(ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	return c, nil
}

// serve loads and initialises MPI on a locked OS thread, then runs every
// call sent to c.calls on that thread.
func (c *Comm) serve(ready chan<- error) {
	runtime.LockOSThread()
	// OpenMPI would trap SIGSEGV, SIGBUS, SIGFPE and SIGABRT to print
	// its own backtrace where no handler is installed yet; the Go runtime
	// has its own, and an empty list says plainly not to try.
	if os.Getenv("OMPI_MCA_opal_signal") == "" {
		os.Setenv("OMPI_MCA_opal_signal", "")
	}
	lib, err := mpi.LoadFor(c.launch.Launcher)
	if err == nil {
		err = lib.Init()
	}
	if err == nil {
		c.lib = lib
		if c.rank, err = lib.Rank(); err == nil {
			c.size, err = lib.Size()
		}
	}
	if err == nil && c.launch.Under() && (c.size != c.launch.Size || c.rank != c.launch.Rank) {
		err = fmt.Errorf("dist: %s started this process as rank %d of %d, but %s sees rank %d of %d: it is not the launcher's MPI; "+
			"name the launcher's library with MAEVK_MPI_LIB (e.g. libmpich.so.12 under mpiexec.mpich, libmpi.so.40 under OpenMPI's mpirun)",
			c.launch.Launcher, c.launch.Rank, c.launch.Size, lib.Path, c.rank, c.size)
	}
	ready <- err
	if err != nil {
		return
	}
	for f := range c.calls {
		f()
	}
}

// Rank is this process's rank (not collective).
func (c *Comm) Rank() int { return c.rank }

// Size is the number of ranks (not collective).
func (c *Comm) Size() int { return c.size }

// LocalRank is the rank among the processes on this node (not collective).
func (c *Comm) LocalRank() int { return c.local }

// Library names the MPI library in use (not collective).
func (c *Comm) Library() string {
	var v string
	_ = c.do("MPI_Get_library_version", func() error { v = c.lib.Version(); return nil })
	return fmt.Sprintf("%s (%s)", v, c.lib.Path)
}

// do runs f on the MPI thread and waits at most the timeout for it.
func (c *Comm) do(what string, f func() error) error {
	if c.closed {
		return fmt.Errorf("dist: rank %d: %s after Close", c.rank, what)
	}
	done := make(chan error, 1)
	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	select {
	case c.calls <- func() { done <- f() }:
	case <-timer.C:
		return c.timedOut(what)
	}
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("dist: rank %d: %s: %w", c.rank, what, err)
		}
		return nil
	case <-timer.C:
		return c.timedOut(what)
	}
}

func (c *Comm) timedOut(what string) error {
	return fmt.Errorf("dist: rank %d: %s: %w within %v: another rank has died or hangs "+
		"(see the launcher's message for which; raise --dist-timeout if a step legitimately takes longer)", c.rank, what, ErrTimeout, c.timeout)
}

// SumFloat32 replaces buf on every rank with the element-wise sum over the
// ranks.
func (c *Comm) SumFloat32(what string, buf []float32) error {
	return c.do(what, func() error { return c.lib.SumFloat32(buf) })
}

// SumFloat64 replaces buf on every rank with the element-wise sum over the
// ranks.
func (c *Comm) SumFloat64(what string, buf []float64) error {
	return c.do(what, func() error { return c.lib.SumFloat64(buf) })
}

// AnyTrue reports whether v is true on any rank.
func (c *Comm) AnyTrue(what string, v bool) (bool, error) {
	buf := []float64{0}
	if v {
		buf[0] = 1
	}
	err := c.do(what, func() error { return c.lib.MaxFloat64(buf) })
	return buf[0] > 0, err
}

// Gather returns every rank's data (all of equal length), in rank order.
func (c *Comm) Gather(what string, data []byte) ([][]byte, error) {
	var all []byte
	err := c.do(what, func() error {
		var err error
		all, err = c.lib.Allgather(data, c.size)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([][]byte, c.size)
	for r := range out {
		out[r] = all[r*len(data) : (r+1)*len(data)]
	}
	return out, nil
}

// Broadcast returns rank root's data on every rank; data's length may
// differ between ranks.
func (c *Comm) Broadcast(what string, data []byte, root int) ([]byte, error) {
	n := []float64{float64(len(data))}
	if c.rank != root {
		n[0] = 0
	}
	// The length first, as a sum in which only root's counts.
	if err := c.do(what+" (length)", func() error { return c.lib.SumFloat64(n) }); err != nil {
		return nil, err
	}
	buf := make([]byte, int(n[0]))
	if c.rank == root {
		copy(buf, data)
	}
	err := c.do(what, func() error { return c.lib.Bcast(buf, root) })
	return buf, err
}

// Abort ends every process of the job through the MPI runtime (not
// collective). If the MPI thread is stuck in a collective, it gives up
// after a few seconds and exits this process with code, which the launcher
// also takes as the job's failure.
func (c *Comm) Abort(code int) {
	done := make(chan struct{})
	go func() {
		select {
		case c.calls <- func() { c.lib.Abort(code) }:
		case <-time.After(5 * time.Second):
		}
		close(done)
	}()
	select {
	case <-done:
		time.Sleep(5 * time.Second) // MPI_Abort is on its way
	case <-time.After(10 * time.Second):
	}
	os.Exit(code)
}

// Close finalises MPI after a barrier, so that no rank leaves while another
// still needs it. The Comm is unusable afterwards.
func (c *Comm) Close() error {
	if c.closed {
		return nil
	}
	err := c.do("MPI_Barrier at exit", func() error { return c.lib.Barrier() })
	if err == nil {
		err = c.do("MPI_Finalize", func() error { return c.lib.Finalize() })
	}
	c.closed = true
	close(c.calls)
	return err
}
