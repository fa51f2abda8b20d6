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
