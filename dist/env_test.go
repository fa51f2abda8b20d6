package dist

import "testing"

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDetectLaunch(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want Launch
	}{
		{"none", nil, Launch{Size: 1}},
		{"openmpi", map[string]string{"OMPI_COMM_WORLD_RANK": "3", "OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_LOCAL_RANK": "1"},
			Launch{Launcher: "OpenMPI", Rank: 3, Size: 4, LocalRank: 1}},
		{"mpich", map[string]string{"PMI_RANK": "1", "PMI_SIZE": "2", "MPI_LOCALRANKID": "0"},
			Launch{Launcher: "MPICH", Rank: 1, Size: 2, LocalRank: 0}},
		{"srun", map[string]string{"SLURM_PROCID": "5", "SLURM_NTASKS": "8", "SLURM_LOCALID": "1", "SLURM_STEP_ID": "0"},
			Launch{Launcher: "Slurm", Rank: 5, Size: 8, LocalRank: 1}},
		{"sbatch script, no step", map[string]string{"SLURM_PROCID": "0", "SLURM_NTASKS": "8"}, Launch{Size: 1}},
	}
	for _, c := range cases {
		got, err := DetectLaunch(envOf(c.env))
		if err != nil || got != c.want {
			t.Errorf("%s: got %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
	if _, err := DetectLaunch(envOf(map[string]string{"OMPI_COMM_WORLD_RANK": "2", "OMPI_COMM_WORLD_SIZE": "2"})); err == nil {
		t.Error("rank 2 of 2 accepted")
	}
}

func TestModeWanted(t *testing.T) {
	under := Launch{Launcher: "OpenMPI", Size: 2}
	for _, c := range []struct {
		mode Mode
		l    Launch
		want bool
	}{
		{ModeAuto, under, true}, {ModeAuto, Launch{Size: 1}, false},
		{ModeMPI, Launch{Size: 1}, true}, {ModeNone, under, false},
	} {
		if got := c.mode.Wanted(c.l); got != c.want {
			t.Errorf("%s with %+v: %v, want %v", c.mode, c.l, got, c.want)
		}
	}
	if _, err := ParseMode("nccl"); err == nil {
		t.Error("--dist nccl accepted")
	}
}
