package mpi

// #cgo LDFLAGS: -ldl
// #include <stdlib.h>
// #include "cmpi.h"
import "C"

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"
)

// Candidates are the library names tried in order when MAEVK_MPI_LIB is
// unset: OpenMPI 3-5 and the MPICH ABI (MPICH, Intel MPI, MVAPICH).
var Candidates = []string{"libmpi.so.40", "libmpi.so.12", "libmpich.so.12", "libmpi.so"}

// ErrNoLibrary is wrapped by Load's error when no MPI library can be opened.
var ErrNoLibrary = errors.New("no MPI library found")

// Lib is an opened MPI library.
type Lib struct {
	c       *C.mmpi
	Path    string // the name it was opened under
	OpenMPI bool   // OpenMPI's ABI; false: MPICH's
}

// Load opens the MPI library: the file named by MAEVK_MPI_LIB if set, else
// the first of Candidates that the dynamic loader finds. The error says
// what to install.
func Load() (*Lib, error) { return LoadFor("") }

// LoadFor is Load for a process started by launcher ("OpenMPI", "MPICH",
// "Slurm" or "", as dist.Launch names it): under MPICH's launcher the
// MPICH names are tried first, since OpenMPI's library, when both are
// installed, would not find the launcher and start a world of one.
func LoadFor(launcher string) (*Lib, error) {
	names := Candidates
	if launcher == "MPICH" {
		names = mpichFirst(Candidates)
	}
	if p := os.Getenv("MAEVK_MPI_LIB"); p != "" {
		names = []string{p}
	}
	var tried []string
	for _, name := range names {
		cname := C.CString(name)
		var msg *C.char
		m := C.mmpi_open(cname, &msg)
		C.free(unsafe.Pointer(cname))
		if m != nil {
			return &Lib{c: m, Path: name, OpenMPI: C.mmpi_is_openmpi(m) != 0}, nil
		}
		tried = append(tried, fmt.Sprintf("%s (%s)", name, C.GoString(msg)))
	}
	return nil, fmt.Errorf("mpi: %w: tried %s; install OpenMPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev, or run make setup) "+
		"or MPICH (apt-get install mpich), or name the library with MAEVK_MPI_LIB", ErrNoLibrary, strings.Join(tried, ", "))
}

// mpichFirst is names with the MPICH ABI's libraries (.so.12) first, the
// order otherwise kept.
func mpichFirst(names []string) []string {
	var first, rest []string
	for _, n := range names {
		if strings.HasSuffix(n, ".so.12") {
			first = append(first, n)
		} else {
			rest = append(rest, n)
		}
	}
	return append(first, rest...)
}

// check turns an MPI return code into an error naming the call.
func check(call string, rc C.int) error {
	if rc != 0 {
		return fmt.Errorf("mpi: %s failed with error code %d", call, int(rc))
	}
	return nil
}

// Init initialises MPI (MPI_Init_thread, FUNNELED) unless it already is.
func (l *Lib) Init() error {
	var flag C.int
	if err := check("MPI_Initialized", C.mmpi_initialized(l.c, &flag)); err != nil {
		return err
	}
	if flag != 0 {
		return nil
	}
	var provided C.int
	if err := check("MPI_Init_thread", C.mmpi_init(l.c, &provided)); err != nil {
		return err
	}
	if provided < 1 {
		return fmt.Errorf("mpi: the library offers thread level %d, mae-vk needs MPI_THREAD_FUNNELED", int(provided))
	}
	return nil
}

// Rank is this process's rank in MPI_COMM_WORLD.
func (l *Lib) Rank() (int, error) {
	var r C.int
	err := check("MPI_Comm_rank", C.mmpi_rank(l.c, &r))
	return int(r), err
}

// Size is the number of processes in MPI_COMM_WORLD.
func (l *Lib) Size() (int, error) {
	var n C.int
	err := check("MPI_Comm_size", C.mmpi_size(l.c, &n))
	return int(n), err
}

// SumFloat32 replaces buf, on every rank, with the element-wise sum over
// the ranks (MPI_Allreduce in place). buf may be Go or C memory.
func (l *Lib) SumFloat32(buf []float32) error {
	if len(buf) == 0 {
		return nil
	}
	return check("MPI_Allreduce", C.mmpi_allreduce(l.c, unsafe.Pointer(&buf[0]), C.int(len(buf)), C.MMPI_FLOAT, C.MMPI_SUM))
}

// SumFloat64 is SumFloat32 for float64 values.
func (l *Lib) SumFloat64(buf []float64) error {
	if len(buf) == 0 {
		return nil
	}
	return check("MPI_Allreduce", C.mmpi_allreduce(l.c, unsafe.Pointer(&buf[0]), C.int(len(buf)), C.MMPI_DOUBLE, C.MMPI_SUM))
}

// MaxFloat64 replaces buf with the element-wise maximum over the ranks.
func (l *Lib) MaxFloat64(buf []float64) error {
	if len(buf) == 0 {
		return nil
	}
	return check("MPI_Allreduce", C.mmpi_allreduce(l.c, unsafe.Pointer(&buf[0]), C.int(len(buf)), C.MMPI_DOUBLE, C.MMPI_MAX))
}

// Allgather returns every rank's send (all of the same length), in rank
// order, concatenated.
func (l *Lib) Allgather(send []byte, size int) ([]byte, error) {
	recv := make([]byte, len(send)*size)
	if len(send) == 0 {
		return recv, nil
	}
	err := check("MPI_Allgather", C.mmpi_allgather(l.c, unsafe.Pointer(&send[0]), unsafe.Pointer(&recv[0]), C.int(len(send))))
	return recv, err
}

// Bcast copies root's buf into buf on every rank.
func (l *Lib) Bcast(buf []byte, root int) error {
	if len(buf) == 0 {
		return nil
	}
	return check("MPI_Bcast", C.mmpi_bcast(l.c, unsafe.Pointer(&buf[0]), C.int(len(buf)), C.int(root)))
}

// Barrier waits for every rank.
func (l *Lib) Barrier() error { return check("MPI_Barrier", C.mmpi_barrier(l.c)) }

// Abort asks the MPI runtime to end every process of the job with code.
func (l *Lib) Abort(code int) { C.mmpi_abort(l.c, C.int(code)) }

// Finalize shuts MPI down; no MPI call may follow.
func (l *Lib) Finalize() error { return check("MPI_Finalize", C.mmpi_finalize(l.c)) }

// Version is the library's own description (MPI_Get_library_version),
// first line only.
func (l *Lib) Version() string {
	buf := make([]byte, 1024)
	if C.mmpi_version(l.c, (*C.char)(unsafe.Pointer(&buf[0])), C.int(len(buf))) != 0 {
		return "unknown MPI"
	}
	s := C.GoString((*C.char)(unsafe.Pointer(&buf[0])))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}
