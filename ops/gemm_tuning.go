package ops

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mae-vk/mae-vk/internal/atomicfile"
	"github.com/mae-vk/mae-vk/vk"
)

// GemmCandidates lists the configurations that tuning tries on this device.
func (o *Ops) GemmCandidates() []GemmConfig {
	info := o.d.Info
	sub := max(info.SubgroupSize, 1)
	var out []GemmConfig
	for _, local := range []int{sub, 2 * sub} {
		for _, tile := range [][2]int{{8, 8}, {8, 16}, {16, 8}, {16, 16}, {4, 32}, {12, 16}} {
			for _, texel := range []bool{false, true} {
				if texel && info.MaxTexelElements < 1<<20 {
					continue
				}
				out = append(out, GemmConfig{Family: "reg", Local: local, TM: tile[0], TN: tile[1], Texel: texel})
			}
		}
	}
	for _, t := range []GemmConfig{
		{LX: 16, LY: 16, TM: 4, TN: 4, BK: 16},
		{LX: 16, LY: 16, TM: 8, TN: 8, BK: 8},
		{LX: 16, LY: 16, TM: 8, TN: 4, BK: 16},
		{LX: 8, LY: 8, TM: 8, TN: 8, BK: 16},
		{LX: 32, LY: 8, TM: 4, TN: 8, BK: 8},
	} {
		t.Family = "tiled"
		if o.checkGemmConfig(t) == nil {
			out = append(out, t)
		}
	}
	return out
}

// TuneGemm times every candidate on s and keeps the fastest. The
// configuration in use afterwards is the winner.
func (o *Ops) TuneGemm(s GemmSpec, budget time.Duration, report func(BenchResult)) (GemmConfig, error) {
	best, bestMs := o.gemm, -1.0
	for _, c := range o.GemmCandidates() {
		if err := o.SetGemmConfig(c); err != nil {
			continue
		}
		r, err := o.BenchGemm(s, budget)
		if err != nil {
			return best, fmt.Errorf("tune %v: %w", c, err)
		}
		if report != nil {
			report(r)
		}
		if bestMs < 0 || r.MedianMs < bestMs {
			best, bestMs = c, r.MedianMs
		}
	}
	return best, o.SetGemmConfig(best)
}

// gemmTuningFile is where the tuned configuration of a device is kept.
func gemmTuningFile(dir string, info vk.DeviceInfo) string {
	return filepath.Join(dir, "gemm-"+info.FileKey()+".json")
}

// TuningDir is the default directory for per-device tuning results.
func TuningDir() string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "mae-vk")
	}
	return ""
}

// SaveGemmTuning stores the configuration in use for this device in dir.
func (o *Ops) SaveGemmTuning(dir string) (string, error) {
	path := gemmTuningFile(dir, o.d.Info)
	data, err := json.MarshalIndent(o.gemm, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("save gemm tuning: %w", err)
	}
	if err := atomicfile.WriteBytes(path, data); err != nil {
		return "", fmt.Errorf("save gemm tuning: %w", err)
	}
	return path, nil
}

// LoadGemmTuning uses the configuration stored for this device in dir, if
// there is one; it reports whether it found one. A file that does not fit
// the device is an error naming the file.
func (o *Ops) LoadGemmTuning(dir string) (bool, error) {
	path := gemmTuningFile(dir, o.d.Info)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read gemm tuning: %w", err)
	}
	var c GemmConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return false, fmt.Errorf("gemm tuning %s is damaged (%v): delete it or rerun mae-vk bench gemm --tune", path, err)
	}
	if err := o.SetGemmConfig(c); err != nil {
		return false, fmt.Errorf("gemm tuning %s: %w: delete it or rerun mae-vk bench gemm --tune", path, err)
	}
	return true, nil
}
