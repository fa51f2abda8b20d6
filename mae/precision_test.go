package mae

import (
	"errors"
	"strings"
	"testing"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// TestTrainPrecisions trains micro for 300 steps of 16 images from one
// seed in fp32, fp16 and bf16: the mean loss of the last 50 steps of each
// 16-bit run must be within 2% of fp32's.
func TestTrainPrecisions(t *testing.T) {
	if d := vktest.Open(t); !ops.BF16.Supported(d.Info) {
		t.Skipf("%s has no 16-bit storage", d.Info.Name)
	}
	const steps, tail = 300, 50
	mean := map[string]float64{}
	for _, p := range []string{"fp32", "fp16", "bf16"} {
		cfg := microTrainConfig(t, steps)
		cfg.Precision = p
		losses := trainLosses(t, cfg)
		if len(losses) != steps {
			t.Fatalf("%s: %d steps reported, want %d", p, len(losses), steps)
		}
		mean[p] = meanOf(losses[steps-tail:])
		t.Logf("%s: mean loss of the last %d steps %.5f (first step %.5f)", p, tail, mean[p], losses[0])
	}
	for _, p := range []string{"fp16", "bf16"} {
		if rel := mean[p]/mean["fp32"] - 1; !(rel < 0.02 && rel > -0.02) {
			t.Errorf("%s: mean loss %.5f is %+.2f%% from fp32's %.5f (limit ±2%%)", p, mean[p], 100*rel, mean["fp32"])
		}
	}
}

func TestResolvePrecision(t *testing.T) {
	noHalf := vk.DeviceInfo{Name: "SwiftShader Device", Type: vk.TypeCPU}
	gpu := vk.DeviceInfo{Name: "GPU", Type: vk.TypeDiscrete, Storage16: true}
	tensorCores := gpu
	tensorCores.Name, tensorCores.VulkanMemoryModel, tensorCores.CooperativeMatrix = "GPU with fp16 matrices", true, true
	tensorCores.CoopMatShapes = []vk.CoopMatShape{{M: 16, N: 16, K: 16, A: vk.ComponentFloat16, B: vk.ComponentFloat16,
		C: vk.ComponentFloat32, Result: vk.ComponentFloat32, Subgroup: true, KHR: true}}
	for _, c := range []struct {
		flag   string
		info   vk.DeviceInfo
		want   ops.Precision
		notice bool
	}{
		{"", noHalf, ops.FP32, false},
		{"", gpu, ops.BF16, false},
		{"", tensorCores, ops.FP16, false},
		{"bf16", tensorCores, ops.BF16, false},
		{"fp16", noHalf, ops.FP32, true},
		{"bf16", noHalf, ops.FP32, true},
		{"FP16", gpu, ops.FP16, false},
		{"fp32", gpu, ops.FP32, false},
	} {
		p, notice, err := ResolvePrecision(c.flag, c.info)
		if err != nil || p != c.want || (notice != "") != c.notice || strings.Contains(notice, "\n") {
			t.Errorf("ResolvePrecision(%q, %s) = %v, %q, %v; want %v, notice %v", c.flag, c.info.Name, p, notice, err, c.want, c.notice)
		}
	}
	var ce *ConfigError
	if _, _, err := ResolvePrecision("fp8", gpu); !errors.As(err, &ce) || ce.Field != "Precision" {
		t.Errorf("fp8: error %v, want a ConfigError of field Precision", err)
	}
}

// TestCheckpointAcrossPrecisions: checkpoints hold the fp32 master
// weights, so a bf16 run resumes in fp16 (and the config records it).
func TestCheckpointAcrossPrecisions(t *testing.T) {
	if d := vktest.Open(t); !ops.BF16.Supported(d.Info) {
		t.Skipf("%s has no 16-bit storage", d.Info.Name)
	}
	first := microTrainConfig(t, 6)
	first.Precision = "bf16"
	trainLosses(t, first)
	next := microTrainConfig(t, 10)
	next.Resume, next.Precision, next.Out = first.Out, "fp16", first.Out
	losses := trainLosses(t, next)
	if len(losses) != 4 {
		t.Fatalf("resumed run reported %d steps, want 4", len(losses))
	}
}

// TestHalfModelIsSmaller: the 16-bit activations more than pay for the
// 16-bit weight copy (micro, batch 64: DeviceBytes below fp32's).
func TestHalfModelIsSmaller(t *testing.T) {
	d := vktest.Open(t)
	if !ops.BF16.Supported(d.Info) {
		t.Skipf("%s has no 16-bit storage", d.Info.Name)
	}
	cfg, _ := Preset("micro")
	bytes := map[ops.Precision]int{}
	for _, p := range ops.Precisions {
		m, err := NewModelPrecision(ops.New(d), cfg, 64, p)
		if err != nil {
			t.Fatal(err)
		}
		bytes[p] = m.DeviceBytes()
		m.Release()
	}
	t.Logf("device bytes: fp32 %d, fp16 %d, bf16 %d", bytes[ops.FP32], bytes[ops.FP16], bytes[ops.BF16])
	for _, p := range []ops.Precision{ops.FP16, ops.BF16} {
		if !(bytes[p] < bytes[ops.FP32]) {
			t.Errorf("%v model holds %d bytes, fp32 %d: want fewer", p, bytes[p], bytes[ops.FP32])
		}
	}
}
