package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"
)

func benchAllreduceCommand() *cli.Command {
	return &cli.Command{
		Name:  "allreduce",
		Usage: "under MPI: time MPI_Allreduce (float32 sum, in place) of gradient-sized host buffers",
		Description: "Run it under mpirun or srun. It prints, per size, the time of one\n" +
			"allreduce, the algorithm bandwidth (bytes / time) and the bus bandwidth\n" +
			"(2(N-1)/N × bytes / time, what a ring moves per link), as NCCL's tests do.",
		Flags: append(distFlags(), []cli.Flag{
			&cli.IntSliceFlag{Name: "mb", Value: cli.NewIntSlice(1, 16, 64), Usage: "buffer sizes in MB (1e6 bytes)"},
			&cli.IntFlag{Name: "iters", Value: 10, Usage: "timed allreduces per size (after one warm-up)"},
		}...),
		Action: func(c *cli.Context) error {
			if err := requirePositive(c, "iters"); err != nil {
				return err
			}
			g, err := joinGroup(c)
			if err != nil {
				return err
			}
			if g.comm == nil {
				return fmt.Errorf("bench allreduce: not started under MPI: run it as mpirun -np N mae-vk bench allreduce (or give --dist mpi)")
			}
			return g.finish(benchAllreduce(c, g))
		},
	}
}

// benchAllreduce times the allreduce of each size; rank 0 prints.
func benchAllreduce(c *cli.Context, g *group) error {
	n := float64(g.comm.Size())
	if g.lead() {
		fmt.Printf("%d ranks, %s\n", g.comm.Size(), g.comm.Library())
		fmt.Printf("%10s %12s %12s %12s\n", "MB", "ms", "algo GB/s", "bus GB/s")
	}
	for _, mb := range c.IntSlice("mb") {
		if mb < 1 {
			return fmt.Errorf("--mb %d: must be at least 1", mb)
		}
		buf := make([]float32, mb*1_000_000/4)
		for i := range buf {
			buf[i] = 1
		}
		if err := g.comm.SumFloat32("allreduce warm-up", buf); err != nil {
			return err
		}
		iters := c.Int("iters")
		start := time.Now()
		for range iters {
			if err := g.comm.SumFloat32("allreduce bench", buf); err != nil {
				return err
			}
		}
		// The slowest rank's time is the allreduce's.
		t := []float64{time.Since(start).Seconds() / float64(iters)}
		if err := g.comm.SumFloat64("allreduce bench times", t); err != nil {
			return err
		}
		sec := t[0] / n // mean over the ranks, which finish together
		bytes := float64(4 * len(buf))
		if g.lead() {
			fmt.Printf("%10d %12.3f %12.3f %12.3f\n", mb, sec*1e3, bytes/sec/1e9, 2*(n-1)/n*bytes/sec/1e9)
		}
	}
	return nil
}
