package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/mae-vk/mae-vk/dist"
	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
	"github.com/urfave/cli/v2"
)

// distFlags are the flags of the commands that run data-parallel.
func distFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "dist", Value: string(dist.ModeAuto), EnvVars: []string{"MAEVK_DIST"},
			Usage: "data parallelism: auto (MPI when started by mpirun/mpiexec/srun with several processes), mpi, or none"},
		&cli.DurationFlag{Name: "dist-timeout", Value: dist.DefaultTimeout,
			Usage: "longest wait for the other ranks in one collective before giving up"},
	}
}

// group is this process's place in a data-parallel run; comm is nil for a
// single process.
type group struct {
	comm   *dist.Comm
	launch dist.Launch
}

// joinGroup reads --dist and the launcher's environment and, when MPI is
// wanted, loads it and joins the world. Close the group at the end.
func joinGroup(c *cli.Context) (*group, error) {
	mode, err := dist.ParseMode(c.String("dist"))
	if err != nil {
		return nil, err
	}
	launch, err := dist.DetectLaunch(os.Getenv)
	if err != nil {
		return nil, err
	}
	g := &group{launch: launch}
	if !mode.Wanted(launch) {
		return g, nil
	}
	if g.comm, err = dist.Open(launch, c.Duration("dist-timeout")); err != nil {
		return nil, fmt.Errorf("--dist %s: %w", mode, err)
	}
	g.watchTerm()
	return g, nil
}

// rank is this process's rank (0 for one process).
func (g *group) rank() int {
	if g.comm == nil {
		return 0
	}
	return g.comm.Rank()
}

// lead reports whether this process prints progress and writes files.
func (g *group) lead() bool { return g.rank() == 0 }

// size is the number of ranks (1 for one process).
func (g *group) size() int {
	if g.comm == nil {
		return 1
	}
	return g.comm.Size()
}

// mae is the group as mae sees it: nil for one process.
func (g *group) mae() mae.Group {
	if g.comm == nil {
		return nil
	}
	return g.comm
}

// openOps opens this rank's device (see device) with its tuned GEMM
// configuration, as openOps does.
func (g *group) openOps(c *cli.Context, profile bool) (*vk.Device, *ops.Ops, error) {
	name, err := g.device(c)
	if err != nil {
		return nil, nil, err
	}
	return openOpsNamed(c, name, profile)
}

// prefix is "rank R: " in a group, "" otherwise, for messages.
func (g *group) prefix() string {
	if g.comm == nil {
		return ""
	}
	return fmt.Sprintf("rank %d: ", g.comm.Rank())
}

// device is the --device value for this process: the flag (or
// MAEVK_DEVICE) when set, else, in a group, the device that the local rank
// picks among the best devices of the node.
func (g *group) device(c *cli.Context) (string, error) {
	if d := globalString(c, "device"); d != "" || g.comm == nil {
		return d, nil
	}
	infos, err := vk.ListDevices()
	if err != nil {
		return "", err
	}
	i, err := vk.DeviceForLocalRank(infos, g.comm.LocalRank())
	if err != nil {
		return "", fmt.Errorf("%sno device for local rank %d: %w", g.prefix(), g.comm.LocalRank(), err)
	}
	return strconv.Itoa(i), nil
}

// finish ends the group after the command: on success, a barrier and
// MPI_Finalize; on an error, the error is printed with this rank and the
// whole job is aborted, so that no rank waits for this one.
func (g *group) finish(err error) error {
	if g.comm == nil {
		return err
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mae-vk: rank %d of %d failed: %v\n", g.comm.Rank(), g.comm.Size(), withFlagNames(err))
		g.comm.Abort(1) // does not return
	}
	return g.comm.Close()
}

// watchTerm reports a SIGTERM under MPI: launchers send it to every rank
// when one of them died. The training loop still gets the signal (and
// tries to stop at the same step on every rank and save a checkpoint); if
// that cannot finish within 20 s, because a rank is gone, this exits.
func (g *group) watchTerm() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	go func() {
		<-sig
		fmt.Fprintf(os.Stderr, "mae-vk: rank %d: terminated by the launcher (SIGTERM); if another rank failed, the launcher's message above names it\n", g.comm.Rank())
		time.Sleep(20 * time.Second)
		fmt.Fprintf(os.Stderr, "mae-vk: rank %d: could not stop with the other ranks within 20 s; exiting\n", g.comm.Rank())
		os.Exit(143)
	}()
}
