package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/mae-vk/mae-vk/analysis"
	"github.com/urfave/cli/v2"
)

func probeCommand() *cli.Command {
	pc, kc := analysis.DefaultProbeConfig(), analysis.DefaultKNNConfig()
	return &cli.Command{
		Name:  "probe",
		Usage: "linear probe and k-NN top-1 of a trained encoder's frozen features",
		Description: "Extracts features with the frozen encoder and no masking on the device (the cls\n" +
			"token, or the mean patch token, of norm(encoder(x))), trains a linear classifier\n" +
			"behind a BatchNorm without affine parameters on the train split and reports top-1\n" +
			"on the test split, with a k-NN vote (cosine similarity, weights exp(sim/T)) beside it.\n" +
			"Probe recipe: SGD with momentum 0.9, cosine learning rate from --lr, --epochs passes\n" +
			"of mini-batches of --probe-batch, no weight decay (the MAE paper uses LARS at batch\n" +
			"16384 for 90 epochs on ImageNet). --baseline random adds the same architecture\n" +
			"freshly initialized with the run's seed; --baseline pixels the raw normalized pixels.\n" +
			"Under mpirun (or srun) the ranks share the feature extraction; rank 0 probes and prints.",
		Flags: append([]cli.Flag{
			weightsFlag(),
			splitsDataFlag(),
			&cli.StringFlag{Name: "features", Value: analysis.PoolCls, Usage: "cls or mean"},
			&cli.IntFlag{Name: "train-images", Value: 10000, Usage: "images of the train split, a seeded random subset (0: all, as the reference's protocol; slower on CPU drivers)"},
			&cli.IntFlag{Name: "test-images", Usage: "images of the test split (0: all)"},
			&cli.IntFlag{Name: "epochs", Value: pc.Epochs, Usage: "probe epochs"},
			&cli.IntFlag{Name: "probe-batch", Value: pc.Batch, Usage: "probe mini-batch"},
			&cli.Float64Flag{Name: "lr", Value: pc.LR, Usage: "probe peak learning rate"},
			&cli.IntFlag{Name: "k", Value: kc.K, Usage: "k-NN neighbours"},
			&cli.Float64Flag{Name: "temperature", Value: kc.Temperature, Usage: "k-NN vote temperature"},
			&cli.StringSliceFlag{Name: "baseline", Usage: "also probe a control: random, pixels (repeatable)"},
			&cli.Uint64Flag{Name: "seed", Usage: "seed of the random baseline (default: the run's, from its config.json)"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON: the model's result, with the baselines under \"baselines\""},
		}, distFlags()...),
		Action: func(c *cli.Context) error {
			g, err := joinGroup(c)
			if err != nil {
				return err
			}
			return g.finish(runProbe(c, g))
		},
	}
}

// runProbe runs the probe as one rank of a data-parallel group under MPI:
// the ranks share the feature extraction, rank 0 probes and prints.
func runProbe(c *cli.Context, g *group) error {
	if err := requireWeights(c); err != nil {
		return err
	}
	cfg := analysis.ProbeRun{
		Weights: c.String("weights"), Data: c.String("data"), Features: c.String("features"),
		TrainImages: c.Int("train-images"), TestImages: c.Int("test-images"),
		Probe: analysis.ProbeConfig{Epochs: c.Int("epochs"), Batch: c.Int("probe-batch"), LR: c.Float64("lr")},
		KNN:   analysis.KNNConfig{K: c.Int("k"), Temperature: c.Float64("temperature")},
		Group: g.mae(),
	}
	if c.IsSet("seed") {
		s := c.Uint64("seed")
		cfg.Seed = &s
	}
	d, o, err := g.openOps(c, false)
	if err != nil {
		return err
	}
	defer d.Close()
	res, err := analysis.RunProbe(c.Context, o, cfg, c.StringSlice("baseline"))
	if err != nil || !g.lead() {
		return err
	}
	if c.Bool("json") {
		out := struct {
			analysis.ProbeResult
			Baselines []analysis.ProbeResult `json:"baselines,omitempty"`
		}{res[0], res[1:]}
		js, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		fmt.Println(string(js))
		return nil
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FEATURES\tDIM\tLINEAR TOP-1\tK-NN TOP-1\tTRAIN\tTEST\tSECONDS")
	for _, r := range res {
		fmt.Fprintf(tw, "%s (%s)\t%d\t%.2f%%\t%.2f%%\t%d\t%d\t%.0f\n", r.Name, r.Features, r.Dim, 100*r.Top1, 100*r.KNNTop1, r.NTrain, r.NTest, r.Seconds)
	}
	return tw.Flush()
}
