package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mae-vk/mae-vk/internal/idxtest"
	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/safetensors"
)

// runCLIErr runs the app with args and returns what it printed to stdout
// and its error.
func runCLIErr(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return runCapture(t, false, args...)
}

// runCapture runs the app with args and returns what it printed to stdout
// (and to stderr too, when stderr is set) and its error.
func runCapture(t *testing.T, stderr bool, args ...string) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	oldOut, oldErr := os.Stdout, os.Stderr
	os.Stdout = w
	if stderr {
		os.Stderr = w
	}
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	runErr := newApp().Run(append([]string{"mae-vk"}, args...))
	w.Close()
	os.Stdout, os.Stderr = oldOut, oldErr
	return <-done, runErr
}

// noPipelineCache keeps CLI tests from writing the user's pipeline cache,
// as tools/test.sh does.
func noPipelineCache(t *testing.T) {
	if os.Getenv("MAEVK_PIPELINE_CACHE") == "" {
		t.Setenv("MAEVK_PIPELINE_CACHE", "-")
	}
}

// writeTestIDX writes a test split of n 28×28 gray pictures with labels to
// a new directory.
func writeTestIDX(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	pix := make([]byte, n*28*28)
	for i := range pix {
		x, y, k := i%28, i/28%28, i/(28*28)
		pix[i] = uint8(128 + 120*math.Sin(float64(x*(k%3+1)+y*(k%4+1))/6))
	}
	idxtest.WritePair(t, dir, "t10k", 28, 28, pix, make([]byte, n), false)
	return dir
}

// microFiles saves Init weights of the micro preset twice: as a mae-vk
// checkpoint (with config metadata) in ckDir, and as PyTorch would, in
// torch (metadata {"format": "pt"} only).
func microFiles(t *testing.T) (ckDir, torch string) {
	t.Helper()
	cfg, _ := mae.Preset("micro")
	p, err := mae.Init(cfg, 11)
	if err != nil {
		t.Fatal(err)
	}
	ckDir = t.TempDir()
	if err := mae.SaveCheckpoint(ckDir, mae.Checkpoint{Params: p}); err != nil {
		t.Fatal(err)
	}
	var ents []safetensors.Entry
	for _, tn := range p.Layout.Tensors {
		ents = append(ents, safetensors.Entry{Name: tn.Name, Shape: tn.Shape, Data: p.Data[tn.Offset : tn.Offset+tn.Len()]})
	}
	torch = filepath.Join(t.TempDir(), "torch.safetensors")
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, ents, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(torch, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return ckDir, torch
}

func evalJSONOf(t *testing.T, out string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("eval --json is not JSON: %v\n%s", err, out)
	}
	return m
}

// TestEvalCommand evaluates a checkpoint and the same weights saved as
// PyTorch would (with --preset micro), in JSON and as a line, counting every
// image of the split (20, in batches of 8), and checks
// that a wrong preset is an error naming --weights.
func TestEvalCommand(t *testing.T) {
	noPipelineCache(t)
	ck, torch := microFiles(t)
	data := writeTestIDX(t, 20)
	out := runCLI(t, "eval", "--weights", ck, "--data", data, "--batch", "8", "--seed", "3", "--json")
	js := evalJSONOf(t, out)
	for _, f := range []string{"loss", "images", "data", "split", "weights", "device", "images_per_second"} {
		if _, ok := js[f]; !ok {
			t.Errorf("eval --json lacks %q:\n%s", f, out)
		}
	}
	loss, _ := js["loss"].(float64)
	if !(loss > 0) || math.IsInf(loss, 0) || js["images"] != 20.0 || js["split_images"] != 20.0 ||
		js["data"] != data || js["split"] != "test" || js["weights"] != ck || js["device"] == "" {
		t.Errorf("eval --json:\n%s", out)
	}

	out = runCLI(t, "eval", "--weights", torch, "--preset", "micro", "--data", data, "--batch", "8", "--seed", "3", "--json")
	if got := evalJSONOf(t, out)["loss"]; got != loss {
		t.Errorf("PyTorch file with --preset micro: loss %v, checkpoint %v", got, loss)
	}
	out = runCLI(t, "eval", "--weights", torch, "--data", data, "--batch", "8", "--seed", "3")
	if !strings.HasPrefix(out, "loss ") || !strings.Contains(out, "20 of 20 images") {
		t.Errorf("eval line: %q", out)
	}
	_, err := runCLIErr(t, "eval", "--weights", torch, "--preset", "tiny", "--data", data)
	if err == nil || !strings.Contains(err.Error(), "--weights "+torch) || !strings.Contains(err.Error(), "wrong shape") {
		t.Errorf("micro weights with --preset tiny: %v", err)
	}
}

// TestEvalCommandBadWeights checks the errors for a missing, a
// non-safetensors and a truncated weights file.
func TestEvalCommandBadWeights(t *testing.T) {
	noPipelineCache(t)
	_, torch := microFiles(t)
	dir := t.TempDir()
	full, err := os.ReadFile(torch)
	if err != nil {
		t.Fatal(err)
	}
	truncated, text := filepath.Join(dir, "cut.safetensors"), filepath.Join(dir, "notes.txt")
	os.WriteFile(truncated, full[:len(full)-100], 0o644)
	os.WriteFile(text, []byte("hello"), 0o644)
	for _, path := range []string{filepath.Join(dir, "missing.safetensors"), text, truncated} {
		_, err := runCLIErr(t, "eval", "--weights", path, "--preset", "micro")
		if err == nil || !strings.HasPrefix(err.Error(), "--weights "+path+": ") {
			t.Errorf("%s: %v", filepath.Base(path), err)
		}
	}
	if _, err := runCLIErr(t, "eval", "--preset", "micro"); err == nil || !strings.Contains(err.Error(), "--weights") {
		t.Errorf("no --weights: %v", err)
	}
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReconstructCommand reconstructs a gray 28×28 PNG and an RGB 40×36
// one (converted to gray and resized for the micro model), with --out
// after the images, and decodes the two grids; an unreadable or too small
// picture is an error naming it.
func TestReconstructCommand(t *testing.T) {
	noPipelineCache(t)
	ck, _ := microFiles(t)
	in, out := t.TempDir(), filepath.Join(t.TempDir(), "pictures")
	g := image.NewGray(image.Rect(0, 0, 28, 28))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 7)
	}
	c := image.NewRGBA(image.Rect(0, 0, 40, 36))
	for y := range 36 {
		for x := range 40 {
			c.Set(x, y, color.RGBA{uint8(6 * x), uint8(7 * y), 90, 255})
		}
	}
	a, b := filepath.Join(in, "a.png"), filepath.Join(in, "b.png")
	writePNG(t, a, g)
	writePNG(t, b, c)
	text := runCLI(t, "reconstruct", "--weights", ck, "--seed", "2", a, b, "--out", out)
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 2 {
		t.Fatalf("reconstruct printed %q, want two lines", text)
	}
	// Four 112-pixel panels (28 × 4) with 2-pixel separators, one row under
	// the labels.
	wantW, wantH := 4*112+5*mae.ReconSeparator, mae.ReconHeader+112+2*mae.ReconSeparator
	for i, name := range []string{"a-recon.png", "b-recon.png"} {
		path := filepath.Join(out, name)
		if !strings.HasPrefix(lines[i], path+"\tloss ") {
			t.Errorf("line %d: %q, want the picture %s and its loss", i, lines[i], path)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s := img.Bounds().Size(); s.X != wantW || s.Y != wantH {
			t.Errorf("%s is %v, want %d×%d", name, s, wantW, wantH)
		}
	}

	bad, small := filepath.Join(in, "bad.png"), filepath.Join(in, "small.png")
	os.WriteFile(bad, []byte("not a picture"), 0o644)
	writePNG(t, small, image.NewGray(image.Rect(0, 0, 20, 20)))
	for _, p := range []string{bad, small} {
		_, err := runCLIErr(t, "reconstruct", "--weights", ck, "--out", out, a, p)
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want one naming it", filepath.Base(p), err)
		}
	}
}
