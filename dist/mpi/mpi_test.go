package mpi

import (
	"errors"
	"strings"
	"testing"
)

// TestLoadRefusesWhatIsNotMPI checks the two ways loading fails: no such
// library (the error says what to install) and a library that is not MPI.
func TestLoadRefusesWhatIsNotMPI(t *testing.T) {
	t.Setenv("MAEVK_MPI_LIB", "/nonexistent/libmpi.so.40")
	_, err := Load()
	if !errors.Is(err, ErrNoLibrary) || !strings.Contains(err.Error(), "apt-get install openmpi-bin") {
		t.Errorf("missing library: %v", err)
	}
	t.Setenv("MAEVK_MPI_LIB", "libc.so.6")
	_, err = Load()
	if err == nil || !strings.Contains(err.Error(), "lacks MPI entry points") {
		t.Errorf("libc as MPI: %v", err)
	}
}

// TestMPICHLaunchTriesMPICHFirst checks the order of the libraries tried
// under MPICH's launcher: where OpenMPI is installed too, its library
// must not be opened first (it would start a world of one).
func TestMPICHLaunchTriesMPICHFirst(t *testing.T) {
	got := strings.Join(mpichFirst(Candidates), " ")
	if want := "libmpi.so.12 libmpich.so.12 libmpi.so.40 libmpi.so"; got != want {
		t.Errorf("under MPICH: %s, want %s", got, want)
	}
	if got := strings.Join(Candidates, " "); !strings.HasPrefix(got, "libmpi.so.40") {
		t.Errorf("default order %s: OpenMPI's library should come first", got)
	}
}
