package main

import (
	"image"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mae-vk/mae-vk/mae"
)

// TestNaNWeightsFailBothCommands: weights holding NaN make eval and
// reconstruct both fail, each saying so.
func TestNaNWeightsFailBothCommands(t *testing.T) {
	noPipelineCache(t)
	cfg, _ := mae.Preset("micro")
	p, err := mae.Init(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Data {
		p.Data[i] = float32(math.NaN())
	}
	ck := t.TempDir()
	if err := mae.SaveCheckpoint(ck, mae.Checkpoint{Params: p}); err != nil {
		t.Fatal(err)
	}
	data := writeTestIDX(t, 8)
	pic := filepath.Join(t.TempDir(), "a.png")
	writePNG(t, pic, image.NewGray(image.Rect(0, 0, 28, 28)))
	for _, args := range [][]string{
		{"eval", "--weights", ck, "--data", data, "--batch", "8"},
		{"reconstruct", "--weights", ck, "--out", t.TempDir(), pic},
	} {
		_, err := runCLIErr(t, args...)
		if err == nil || !strings.Contains(err.Error(), "NaN") {
			t.Errorf("%s with NaN weights: %v, want an error saying the loss is NaN", args[0], err)
		}
	}
}

// TestGlobalFlagsAfterCommand: --device works after the command's name
// (a device no one has is an error from opening it, not from the flag
// parser), and --mask-ratio 0 is an error in eval as in train.
func TestGlobalFlagsAfterCommand(t *testing.T) {
	noPipelineCache(t)
	ck, _ := microFiles(t)
	data := writeTestIDX(t, 8)
	if _, err := runCLIErr(t, "eval", "--weights", ck, "--data", data, "--batch", "8", "--device", "llvmpipe|swiftshader-none"); err == nil || strings.Contains(err.Error(), "flag provided but not defined") {
		t.Errorf("eval --device <no such device>: %v, want a device error", err)
	}
	if _, err := runCLIErr(t, "--device", "llvmpipe|swiftshader-none", "eval", "--weights", ck, "--data", data, "--batch", "8"); err == nil {
		t.Error("mae-vk --device <no such device> eval: no error")
	}
	if _, err := runCLIErr(t, "eval", "--weights", ck, "--data", data, "--batch", "8", "--mask-ratio", "0"); err == nil || !strings.HasPrefix(err.Error(), "--mask-ratio 0:") {
		t.Errorf("eval --mask-ratio 0: %v", err)
	}
	if _, err := runCLIErr(t, "train", "--resume", t.TempDir(), "--device", "0", "--validate"); err == nil || strings.Contains(err.Error(), "not defined") {
		t.Errorf("train --device 0 --validate: %v", err)
	}
}
