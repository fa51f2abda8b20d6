package analysis

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
)

// Baselines a probe can be compared with.
const (
	BaselineRandom = "random" // the same architecture freshly initialized with the run's seed
	BaselinePixels = "pixels" // the raw normalized pixels
)

// ProbeRun says what RunProbe measures.
type ProbeRun struct {
	Weights     string      // model.safetensors, checkpoint directory or run directory
	Model       *mae.Config // architecture for files without config metadata (nil: infer)
	Data        string      // data set (loader.Open); "": fashion-mnist
	Features    string      // PoolCls or PoolMean; "": PoolCls
	TrainImages int         // images of the train split (0: all)
	TestImages  int         // images of the test split (0: all)
	Seed        *uint64     // seed of the random baseline; nil: the run's (config.json), else 0
	Probe       ProbeConfig
	KNN         KNNConfig
	// Group splits the feature extraction over the processes of a
	// data-parallel group (nil: one process); process 0 alone probes.
	Group mae.Group
}

// ProbeResult is one row of a probe table.
type ProbeResult struct {
	Name     string  `json:"name"` // "mae", "random" or "pixels"
	Top1     float64 `json:"top1"`
	KNNTop1  float64 `json:"knn_top1"`
	Features string  `json:"features"`
	Dim      int     `json:"dim"`
	NTrain   int     `json:"n_train"`
	NTest    int     `json:"n_test"`
	Data     string  `json:"data"`
	Seconds  float64 `json:"seconds"`
}

// probeData are the images both splits and the weights of a probe.
type probeData struct {
	p           *mae.Params
	train, test *Images
	seed        uint64
}

func loadProbeData(ctx context.Context, cfg *ProbeRun) (*probeData, error) {
	if cfg.Data == "" {
		cfg.Data = mae.DefaultEvalData
	}
	if cfg.Features == "" {
		cfg.Features = PoolCls
	}
	if cfg.Features != PoolCls && cfg.Features != PoolMean {
		return nil, fmt.Errorf("--features %q: want %s or %s", cfg.Features, PoolCls, PoolMean)
	}
	p, err := mae.LoadEvalWeights(cfg.Weights, cfg.Model, 0)
	if err != nil {
		return nil, err
	}
	pd := &probeData{p: p, seed: RunSeed(cfg.Weights)}
	if cfg.Seed != nil {
		pd.seed = *cfg.Seed
	}
	if pd.train, err = LoadImages(ctx, cfg.Data, "train", p.Config, cfg.TrainImages, 1); err != nil {
		return nil, err
	}
	if pd.test, err = LoadImages(ctx, cfg.Data, "test", p.Config, cfg.TestImages, 2); err != nil {
		return nil, err
	}
	return pd, nil
}

// RunProbe measures the linear probe and k-NN top-1 of the weights'
// frozen features, then of each baseline named, in that order. In a group
// every process extracts its share of the features and process 0 alone
// probes them; the others return no results.
func RunProbe(ctx context.Context, o *ops.Ops, cfg ProbeRun, baselines []string) ([]ProbeResult, error) {
	for _, b := range baselines {
		if b != BaselineRandom && b != BaselinePixels {
			return nil, fmt.Errorf("--baseline %q: want %s or %s", b, BaselineRandom, BaselinePixels)
		}
	}
	pd, err := loadProbeData(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	lead := cfg.Group == nil || cfg.Group.Rank() == 0
	var out []ProbeResult
	for _, name := range append([]string{"mae"}, baselines...) {
		start := time.Now()
		var tr, te Features
		switch name {
		case BaselinePixels:
			if !lead {
				continue
			}
			tr, te = PixelFeatures(pd.train, pd.p.Config), PixelFeatures(pd.test, pd.p.Config)
		default:
			p := pd.p
			if name == BaselineRandom {
				if p, err = mae.Init(pd.p.Config, pd.seed); err != nil {
					return nil, err
				}
			}
			if tr, err = ExtractGroup(o, p, pd.train, cfg.Features, cfg.Group); err != nil {
				return nil, err
			}
			if te, err = ExtractGroup(o, p, pd.test, cfg.Features, cfg.Group); err != nil {
				return nil, err
			}
		}
		if !lead {
			continue
		}
		r, err := probeFeatures(tr, te, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s features: %w", name, err)
		}
		r.Name, r.Data, r.Seconds = name, pd.test.Name, time.Since(start).Seconds()
		if name == BaselinePixels {
			r.Features = "pixels"
		}
		out = append(out, r)
	}
	return out, nil
}

// probeFeatures runs the linear probe and k-NN on extracted features.
func probeFeatures(tr, te Features, cfg ProbeRun) (ProbeResult, error) {
	if cfg.Probe == (ProbeConfig{}) {
		cfg.Probe = DefaultProbeConfig()
	}
	if cfg.KNN == (KNNConfig{}) {
		cfg.KNN = DefaultKNNConfig()
	}
	top1, err := LinearProbe(tr, te, cfg.Probe)
	if err != nil {
		return ProbeResult{}, err
	}
	knn, err := KNN(tr, te, cfg.KNN)
	if err != nil {
		return ProbeResult{}, err
	}
	return ProbeResult{Top1: top1, KNNTop1: knn, Features: cfg.Features, Dim: tr.Dim, NTrain: tr.N, NTest: te.N}, nil
}

// RunSeed is the seed recorded in the config.json of the run that path
// (a run directory, checkpoint directory or file in one) belongs to, or 0.
func RunSeed(path string) uint64 {
	for dir := filepath.Clean(path); ; dir = filepath.Dir(dir) {
		raw, err := os.ReadFile(filepath.Join(dir, "config.json"))
		if err == nil {
			var c struct {
				Seed uint64 `json:"seed"`
			}
			if json.Unmarshal(raw, &c) == nil {
				return c.Seed
			}
			return 0
		}
		if parent := filepath.Dir(dir); parent == dir {
			return 0
		}
	}
}
