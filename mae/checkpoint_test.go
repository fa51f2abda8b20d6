package mae

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testCheckpoint returns a micro model checkpoint at step with random
// weights and moments.
func testCheckpoint(t *testing.T, step int64) Checkpoint {
	t.Helper()
	cfg, _ := Preset("micro")
	p, err := Init(cfg, uint64(step)+1)
	if err != nil {
		t.Fatal(err)
	}
	rng := NewRNG(uint64(step))
	m, v := make([]float32, p.Layout.TrainableLen), make([]float32, p.Layout.TrainableLen)
	for _, tt := range p.Layout.Tensors {
		for i := tt.Offset; tt.Trainable && i < tt.Offset+tt.Len(); i++ {
			m[i], v[i] = float32(rng.Normal()), float32(rng.Float64())
		}
	}
	return Checkpoint{Params: p, ExpAvg: m, ExpAvgSq: v, State: TrainState{
		Step: step, Epoch: 3, StepInEpoch: 7, Loss: 0.125,
		RNG:    map[string]uint64{"masking": math.MaxUint64 - 5, "loader": 12345},
		Config: json.RawMessage(`{"lr":0.00015,"batch":256}`),
	}}
}

func compactJSON(t *testing.T, raw []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

func TestCheckpointRoundTrip(t *testing.T) {
	dir := t.TempDir()
	ck := testCheckpoint(t, 100)
	if err := SaveCheckpoint(dir, ck); err != nil {
		t.Fatal(err)
	}
	got, err := LoadCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Dir != filepath.Join(dir, "ckpt-100") {
		t.Errorf("Dir = %s", got.Dir)
	}
	if got.Params.Config != ck.Params.Config {
		t.Errorf("config %+v, want %+v", got.Params.Config, ck.Params.Config)
	}
	if !sameBits(got.Params.Data, ck.Params.Data) || !sameBits(got.ExpAvg, ck.ExpAvg) || !sameBits(got.ExpAvgSq, ck.ExpAvgSq) {
		t.Error("weights or moments differ after the round trip")
	}
	s, w := got.State, ck.State
	if s.Version != CheckpointVersion || s.Step != w.Step || s.Epoch != w.Epoch || s.StepInEpoch != w.StepInEpoch ||
		s.Loss != w.Loss || s.RNG["masking"] != w.RNG["masking"] || s.RNG["loader"] != w.RNG["loader"] ||
		compactJSON(t, s.Config) != compactJSON(t, w.Config) || s.SavedAt.IsZero() {
		t.Errorf("state %+v, want %+v", s, w)
	}
	// The weights alone load from the checkpoint directory or the file.
	for _, path := range []string{dir, filepath.Join(dir, "ckpt-100", ModelFile)} {
		p, err := LoadWeights(path, nil)
		if err != nil || !sameBits(p.Data, ck.Params.Data) {
			t.Errorf("LoadWeights(%s): %v", path, err)
		}
	}
}

func TestCheckpointNaNLossAndNoOptimizer(t *testing.T) {
	dir := t.TempDir()
	ck := testCheckpoint(t, 5)
	ck.ExpAvg, ck.ExpAvgSq, ck.State.Loss = nil, nil, math.NaN()
	if err := SaveCheckpoint(dir, ck); err != nil {
		t.Fatal(err)
	}
	got, err := LoadCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(got.State.Loss) || got.ExpAvg != nil {
		t.Errorf("loss %v, moments %v", got.State.Loss, got.ExpAvg != nil)
	}
}

func TestCheckpointTruncated(t *testing.T) {
	dir := t.TempDir()
	if err := SaveCheckpoint(dir, testCheckpoint(t, 1)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ckpt-1", ModelFile)
	st, _ := os.Stat(path)
	if err := os.Truncate(path, st.Size()-100); err != nil {
		t.Fatal(err)
	}
	_, err := LoadCheckpoint(dir)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated model: %v", err)
	}
	if err := os.WriteFile(path, []byte("this is not a safetensors file at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadWeights(path, nil)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "safetensors") {
		t.Errorf("not safetensors: %v", err)
	}
}

func TestCheckpointCrashKeepsLatest(t *testing.T) {
	dir := t.TempDir()
	if err := SaveCheckpoint(dir, testCheckpoint(t, 100)); err != nil {
		t.Fatal(err)
	}
	// A crash while writing step 200: half a directory, latest not updated.
	half := filepath.Join(dir, "ckpt-200")
	os.Mkdir(half, 0o755)
	os.WriteFile(filepath.Join(half, ModelFile), []byte{1, 2, 3}, 0o644)
	os.Mkdir(filepath.Join(dir, ".ckpt-200.tmp-123"), 0o755)
	for _, removeLatest := range []bool{false, true} {
		if removeLatest {
			os.Remove(filepath.Join(dir, LatestFile))
		}
		ck, err := LoadCheckpoint(dir)
		if err != nil {
			t.Fatal(err)
		}
		if ck.State.Step != 100 {
			t.Errorf("latest removed %v: loaded step %d, want 100", removeLatest, ck.State.Step)
		}
	}
	// The next save replaces the leftovers.
	if err := SaveCheckpoint(dir, testCheckpoint(t, 200)); err != nil {
		t.Fatal(err)
	}
	if ck, err := LoadCheckpoint(dir); err != nil || ck.State.Step != 200 {
		t.Fatalf("after re-save: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".ckpt-200.tmp-123")); err == nil {
		t.Error("leftover temporary directory not removed")
	}
}

func TestCheckpointRetention(t *testing.T) {
	dir := t.TempDir()
	for step := int64(1); step <= 5; step++ {
		if err := SaveCheckpointKeep(dir, testCheckpoint(t, step), 2); err != nil {
			t.Fatal(err)
		}
	}
	if err := SaveCheckpoint(dir, testCheckpoint(t, 5)); err != nil { // same step again
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := []string{"ckpt-4", "ckpt-5", LatestFile}; !slices.Equal(names, want) {
		t.Errorf("directory holds %v, want %v", names, want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, LatestFile)); string(b) != "ckpt-5\n" {
		t.Errorf("latest = %q", b)
	}
}
