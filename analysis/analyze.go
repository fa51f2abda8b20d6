package analysis

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
)

// AnalyzeConfig says what Analyze measures.
type AnalyzeConfig struct {
	Weights string   // the run (or checkpoint, or model.safetensors) to analyze
	Compare []string // more runs, for the across-run measurements of Q2 and Q4
	Data    string   // data set (loader.Open); "": fashion-mnist
	Images  int      // test images for the single-model measurements (default 64)
	// ProbeTrain and ProbeTest are the images of each split for the
	// across-run probe and loss (default 5000 and 2000).
	ProbeTrain, ProbeTest int
	Seed                  uint64 // seeds the masks (mae.EvalMasking)
	Out                   string // directory for index.html, analysis.json and the plots
	// Log receives one line per stage; nil discards them.
	Log func(string)
}

// RunSummary is one run of the across-run table, with its control.
type RunSummary struct {
	Path       string     `json:"path"`
	PatchSize  int        `json:"patch_size"`
	DecDepth   int        `json:"dec_depth"`
	DecDim     int        `json:"dec_dim"`
	Loss       float64    `json:"loss"`
	Top1       float64    `json:"probe_top1"`
	KNNTop1    float64    `json:"knn_top1"`
	RandLoss   float64    `json:"random_loss"`
	RandTop1   float64    `json:"random_probe_top1"`
	RandKNN    float64    `json:"random_knn_top1"`
	NTrain     int        `json:"probe_n_train"`
	NTest      int        `json:"probe_n_test"`
	Config     mae.Config `json:"model"`
	PixelsTop1 float64    `json:"pixels_probe_top1"`
}

// Analysis is everything Analyze measured; analysis.json holds it.
type Analysis struct {
	Weights string     `json:"weights"`
	Model   mae.Config `json:"model"`
	Data    string     `json:"data"`
	Images  int        `json:"images"`
	Device  string     `json:"device"`
	Date    string     `json:"date"`
	Trained *Measures  `json:"trained"`
	Random  *Measures  `json:"random_init"`
	// Runs are the analyzed run and every --compare run.
	Runs []RunSummary `json:"runs"`
	// Plots are the PNG files written, by key.
	Plots map[string]string `json:"plots"`
}

// Analyze measures the weights and their random-init control, then every
// run's loss and probe, and writes the report into cfg.Out.
func Analyze(ctx context.Context, o *ops.Ops, cfg AnalyzeConfig) (*Analysis, error) {
	if cfg.Out == "" {
		return nil, fmt.Errorf("--out: a directory is needed")
	}
	if cfg.Data == "" {
		cfg.Data = mae.DefaultEvalData
	}
	if cfg.Images == 0 {
		cfg.Images = 64
	}
	if cfg.ProbeTrain == 0 {
		cfg.ProbeTrain = 5000
	}
	if cfg.ProbeTest == 0 {
		cfg.ProbeTest = 2000
	}
	if cfg.Images < 1 || cfg.ProbeTrain < 1 || cfg.ProbeTest < 1 {
		return nil, fmt.Errorf("--images %d, --probe-train %d, --probe-test %d: must be positive", cfg.Images, cfg.ProbeTrain, cfg.ProbeTest)
	}
	logf := func(format string, a ...any) {
		if cfg.Log != nil {
			cfg.Log(fmt.Sprintf(format, a...))
		}
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, fmt.Errorf("--out %s: %w", cfg.Out, err)
	}
	p, err := mae.LoadEvalWeights(cfg.Weights, nil, 0)
	if err != nil {
		return nil, err
	}
	c := p.Config
	im, err := LoadImages(ctx, cfg.Data, "test", c, cfg.Images, 3)
	if err != nil {
		return nil, err
	}
	mk := mae.EvalMasking(c, im.N, cfg.Seed, 0)
	res := &Analysis{Weights: cfg.Weights, Model: c, Data: im.Name, Images: im.N, Device: o.Device().Info.Name}
	logf("measuring the trained model on %d images", im.N)
	if res.Trained, err = Measure(o, p, im.Pixels, im.N, mk); err != nil {
		return nil, fmt.Errorf("trained model: %w", err)
	}
	rp, err := mae.Init(c, RunSeed(cfg.Weights))
	if err != nil {
		return nil, err
	}
	logf("measuring the random-init control")
	if res.Random, err = Measure(o, rp, im.Pixels, im.N, mk); err != nil {
		return nil, fmt.Errorf("random-init control: %w", err)
	}
	for _, run := range append([]string{cfg.Weights}, cfg.Compare...) {
		logf("loss and probe of %s", run)
		s, err := summarize(ctx, o, run, cfg)
		if err != nil {
			return nil, fmt.Errorf("--compare %s: %w", run, err)
		}
		res.Runs = append(res.Runs, s)
	}
	return res, nil
}

// summarize measures one run's masked loss on the probe's test images and
// its probe, and the same for its random-init control.
func summarize(ctx context.Context, o *ops.Ops, run string, cfg AnalyzeConfig) (RunSummary, error) {
	pr := ProbeRun{Weights: run, Data: cfg.Data, Features: PoolCls, TrainImages: cfg.ProbeTrain, TestImages: cfg.ProbeTest}
	pd, err := loadProbeData(ctx, &pr)
	if err != nil {
		return RunSummary{}, err
	}
	c := pd.p.Config
	s := RunSummary{Path: filepath.Clean(run), PatchSize: c.PatchSize, DecDepth: c.DecDepth, DecDim: c.DecDim, Config: c}
	rp, err := mae.Init(c, pd.seed)
	if err != nil {
		return s, err
	}
	for _, side := range []struct {
		p               *mae.Params
		loss, top1, knn *float64
	}{{pd.p, &s.Loss, &s.Top1, &s.KNNTop1}, {rp, &s.RandLoss, &s.RandTop1, &s.RandKNN}} {
		recon, err := mae.ReconstructImages(o, side.p, pd.test.Pixels, pd.test.N, cfg.Seed)
		if err != nil {
			return s, err
		}
		for _, r := range recon {
			*side.loss += r.Loss / float64(len(recon))
		}
		tr, err := Extract(o, side.p, pd.train, PoolCls)
		if err != nil {
			return s, err
		}
		te, err := Extract(o, side.p, pd.test, PoolCls)
		if err != nil {
			return s, err
		}
		r, err := probeFeatures(tr, te, pr)
		if err != nil {
			return s, err
		}
		*side.top1, *side.knn, s.NTrain, s.NTest = r.Top1, r.KNNTop1, r.NTrain, r.NTest
	}
	px, err := LinearProbe(PixelFeatures(pd.train, c), PixelFeatures(pd.test, c), DefaultProbeConfig())
	if err != nil {
		return s, err
	}
	s.PixelsTop1 = px
	return s, nil
}
