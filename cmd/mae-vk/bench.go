package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
	"github.com/urfave/cli/v2"
)

func benchCommand() *cli.Command {
	return &cli.Command{
		Name:  "bench",
		Usage: "measure kernels, data loading and training speed (timestamp queries, median of runs)",
		Subcommands: []*cli.Command{
			benchGemmCommand(),
			benchTrainCommand(),
			benchAttentionCommand(),
			benchDataCommand(),
			benchAllreduceCommand(),
		},
	}
}

// printJSON writes v as indented JSON to stdout.
func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// requirePositive checks integer flags that must be at least 1.
func requirePositive(c *cli.Context, names ...string) error {
	for _, n := range names {
		if v := c.Int(n); v < 1 {
			return fmt.Errorf("--%s %d: must be at least 1", n, v)
		}
	}
	return nil
}

// openBenchOps checks the kernel bench's size flags (requirePositive) and
// opens the device with timestamp profiling on; the caller closes it.
func openBenchOps(c *cli.Context, sizes ...string) (*vk.Device, *ops.Ops, error) {
	if err := requirePositive(c, sizes...); err != nil {
		return nil, nil, err
	}
	return openOps(c, true)
}
