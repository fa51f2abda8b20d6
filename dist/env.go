package dist

import (
	"fmt"
	"strconv"
)

// Launch is what the environment says about the MPI world this process
// was started in, before MPI is loaded.
type Launch struct {
	Launcher  string // "OpenMPI", "MPICH", "Slurm", or "" when not under MPI
	Rank      int    // world rank
	Size      int    // world size
	LocalRank int    // rank among the processes on this node (device choice)
}

// Under reports whether the process runs under an MPI launcher with more
// than one process.
func (l Launch) Under() bool { return l.Launcher != "" && l.Size > 1 }

// launchVars are the variables each launcher sets: rank, size, local rank.
var launchVars = []struct{ name, rank, size, local string }{
	{"OpenMPI", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"},
	{"MPICH", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID"},
	// srun sets SLURM_PROCID in every task of a job step. A batch
	// script sees SLURM_NTASKS too but runs outside any step, so
	// SLURM_STEP_ID is required as well (checked in DetectLaunch).
	{"Slurm", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"},
}

// DetectLaunch reads the launcher's variables from getenv (os.Getenv in
// production). A launcher whose variables are present but malformed is an
// error naming the variable.
func DetectLaunch(getenv func(string) string) (Launch, error) {
	for _, v := range launchVars {
		rs, ns := getenv(v.rank), getenv(v.size)
		if rs == "" || ns == "" {
			continue
		}
		if v.name == "Slurm" && getenv("SLURM_STEP_ID") == "" {
			continue
		}
		l := Launch{Launcher: v.name}
		var err error
		if l.Rank, err = strconv.Atoi(rs); err != nil || l.Rank < 0 {
			return Launch{}, fmt.Errorf("dist: %s=%q is not a rank", v.rank, rs)
		}
		if l.Size, err = strconv.Atoi(ns); err != nil || l.Size < 1 || l.Rank >= l.Size {
			return Launch{}, fmt.Errorf("dist: %s=%q is not a world size above rank %d", v.size, ns, l.Rank)
		}
		if ls := getenv(v.local); ls != "" {
			if l.LocalRank, err = strconv.Atoi(ls); err != nil || l.LocalRank < 0 {
				return Launch{}, fmt.Errorf("dist: %s=%q is not a local rank", v.local, ls)
			}
		} else {
			l.LocalRank = l.Rank
		}
		return l, nil
	}
	return Launch{Size: 1}, nil
}

// Mode is the --dist setting.
type Mode string

// The --dist values.
const (
	ModeAuto Mode = "auto" // MPI when started by an MPI launcher with more than one process
	ModeMPI  Mode = "mpi"  // MPI always (an error when it cannot be loaded)
	ModeNone Mode = "none" // one process, even under a launcher
)

// ParseMode checks a --dist value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeAuto, ModeMPI, ModeNone:
		return m, nil
	case "":
		return ModeAuto, nil
	}
	return "", fmt.Errorf("--dist %q: want auto, mpi or none", s)
}

// Wanted reports whether mode and the launch call for MPI.
func (m Mode) Wanted(l Launch) bool {
	switch m {
	case ModeMPI:
		return true
	case ModeNone:
		return false
	}
	return l.Under()
}
