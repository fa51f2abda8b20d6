package ops

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mae-vk/mae-vk/vk"
)

// BenchGemm times the product s (its epilogue included) under the current
// configuration. A GEMM counts 2·M·N·K·Batch FLOPs.
func (o *Ops) BenchGemm(s GemmSpec, budget time.Duration) (BenchResult, error) {
	res := BenchResult{
		Op:      "gemm",
		Shape:   gemmShape(s),
		Device:  o.d.Info.Name,
		Variant: o.gemm.String(),
		FLOPs:   2 * float64(s.M) * float64(s.N) * float64(s.K) * float64(s.Batch),
	}
	lenOf := func(stride, size int) int { return (s.Batch-1)*stride + size }
	bufs := &benchBuffers{d: o.d}
	defer bufs.release()
	mk := bufs.make
	a, err := mk("A", lenOf(s.StrideA, s.M*s.K))
	if err != nil {
		return res, err
	}
	b, err := mk("B", lenOf(s.StrideB, s.K*s.N))
	if err != nil {
		return res, err
	}
	c, err := mk("C", lenOf(s.StrideC, s.M*s.N))
	if err != nil {
		return res, err
	}
	bias, err := mk("bias", s.N)
	if err != nil {
		return res, err
	}
	rec, err := o.d.NewRecording()
	if err != nil {
		return res, err
	}
	defer rec.Release()
	// Enough products per run that submission overhead does not count.
	perRun := max(1, min(16, int(2e8/max(res.FLOPs, 1))))
	for i := 0; i < perRun; i++ {
		if err := o.Gemm(rec, s, a, b, c, bias, c); err != nil {
			return res, err
		}
	}
	median, best, runs, err := benchRecording(o.d, rec, perRun, 3, budget)
	if err != nil {
		return res, err
	}
	fillResult(&res, median, best, runs)
	return res, nil
}

func gemmShape(s GemmSpec) string {
	t := func(b bool) string {
		if b {
			return "T"
		}
		return "N"
	}
	shape := fmt.Sprintf("%dx%dx%d %s%s", s.M, s.N, s.K, t(s.TransA), t(s.TransB))
	if s.Batch > 1 {
		shape += fmt.Sprintf(" x%d", s.Batch)
	}
	return shape
}

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
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return "", fmt.Errorf("save gemm tuning: %w", err)
	}
	return path, os.Rename(tmp, path)
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
