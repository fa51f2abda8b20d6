package mae

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Checkpoint file names and format constants.
const (
	CheckpointVersion = 1                       // state.json "format_version" written and accepted
	DefaultKeep       = 2                       // checkpoints SaveCheckpoint keeps
	ModelFile         = "model.safetensors"     // weights under reference names
	OptimizerFile     = "optimizer.safetensors" // AdamW moments
	StateFile         = "state.json"            // TrainState
	LatestFile        = "latest"                // names the newest complete checkpoint
	ConfigMetadataKey = "mae_vk_config"         // model.safetensors metadata: JSON of Config
)

// TrainState is the training progress saved in state.json.
type TrainState struct {
	Version     int               `json:"format_version"` // CheckpointVersion; set by SaveCheckpoint
	Step        int64             `json:"step"`           // optimizer steps done
	Epoch       int               `json:"epoch"`          // current epoch
	StepInEpoch int               `json:"step_in_epoch"`  // steps done within Epoch
	RNG         map[string]uint64 `json:"rng,omitempty"`  // random generator states by name
	Loss        float64           `json:"loss"`           // the loss so far (NaN/Inf saved as null and read back as NaN)
	Config      json.RawMessage   `json:"config,omitempty"`
	SavedAt     time.Time         `json:"saved_at"` // set by SaveCheckpoint
}

// stateFile is TrainState on disk; its Loss field shadows TrainState.Loss
// so that a non-finite loss is written as null instead of failing.
type stateFile struct {
	TrainState
	Loss jsonFloat `json:"loss"`
}

// Checkpoint is everything needed to resume training.
type Checkpoint struct {
	Params *Params
	// ExpAvg and ExpAvgSq are AdamW's first and second moments over the
	// trainable prefix of Params.Data, Layout.TrainableLen values each
	// (padding ignored), or both nil to save weights and state only.
	ExpAvg, ExpAvgSq []float32
	State            TrainState
	Dir              string // the checkpoint directory, set by LoadCheckpoint
}

// CheckpointName returns the directory name of the checkpoint at step,
// "ckpt-<step>".
func CheckpointName(step int64) string { return "ckpt-" + strconv.FormatInt(step, 10) }

// SaveCheckpoint is SaveCheckpointKeep with DefaultKeep.
func SaveCheckpoint(dir string, ck Checkpoint) error {
	return SaveCheckpointKeep(dir, ck, DefaultKeep)
}

// SaveCheckpointKeep writes ck to dir/ckpt-<step>/ (model.safetensors,
// optimizer.safetensors, state.json), then points dir/latest at it, then
// deletes all but the keep newest checkpoints (keep < 1 keeps all). The
// directory is written under a temporary name and renamed when complete,
// and every file is written atomically, so a crash at any moment leaves
// latest naming a complete checkpoint. One process at a time may save to
// dir.
func SaveCheckpointKeep(dir string, ck Checkpoint, keep int) (err error) {
	if err := checkCheckpoint(ck); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("mae: checkpoint: %w (choose a writable output directory)", err)
	}
	name := CheckpointName(ck.State.Step)
	tmp, err := os.MkdirTemp(dir, "."+name+".tmp-")
	if err != nil {
		return fmt.Errorf("mae: checkpoint: %w (choose a writable output directory)", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
			err = fmt.Errorf("mae: saving checkpoint %s: %w (check the disk space; the previous checkpoint is intact)", filepath.Join(dir, name), err)
		}
	}()
	if err = writeCheckpointFiles(tmp, ck); err != nil {
		return err
	}
	if err = os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	final := filepath.Join(dir, name)
	var old string
	if _, serr := os.Stat(final); serr == nil { // saved again at the same step
		old = filepath.Join(dir, fmt.Sprintf(".%s.old-%d", name, time.Now().UnixNano()))
		if err = os.Rename(final, old); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp, final); err != nil {
		return err
	}
	if err = syncDir(dir); err != nil {
		return err
	}
	if old != "" {
		os.RemoveAll(old)
	}
	err = writeFileAtomic(filepath.Join(dir, LatestFile), func(w io.Writer) error {
		_, err := io.WriteString(w, name+"\n")
		return err
	})
	if err != nil {
		return err
	}
	if err := pruneCheckpoints(dir, name, keep); err != nil {
		return fmt.Errorf("mae: checkpoint %s saved, but %w", final, err)
	}
	return nil
}

func checkCheckpoint(ck Checkpoint) error {
	p := ck.Params
	switch {
	case p == nil || p.Layout == nil:
		return errors.New("mae: SaveCheckpoint: no parameters")
	case len(p.Data) != p.Layout.Len:
		return fmt.Errorf("mae: SaveCheckpoint: %d parameters, layout has %d", len(p.Data), p.Layout.Len)
	case (ck.ExpAvg == nil) != (ck.ExpAvgSq == nil):
		return errors.New("mae: SaveCheckpoint: only one AdamW moment given; give both or neither")
	case ck.ExpAvg != nil && (len(ck.ExpAvg) != p.Layout.TrainableLen || len(ck.ExpAvgSq) != p.Layout.TrainableLen):
		return fmt.Errorf("mae: SaveCheckpoint: moments have %d and %d values, want TrainableLen %d", len(ck.ExpAvg), len(ck.ExpAvgSq), p.Layout.TrainableLen)
	case ck.State.Step < 0:
		return fmt.Errorf("mae: SaveCheckpoint: negative step %d", ck.State.Step)
	}
	return nil
}

func writeCheckpointFiles(dir string, ck Checkpoint) error {
	cfg, err := json.Marshal(ck.Params.Config)
	if err != nil {
		return err
	}
	meta := map[string]string{"format": "pt", ConfigMetadataKey: string(cfg)}
	if err := SaveSafetensors(filepath.Join(dir, ModelFile), modelEntries(ck.Params), meta); err != nil {
		return err
	}
	if ck.ExpAvg != nil {
		var ents []SafetensorsEntry
		for _, t := range ck.Params.Layout.Tensors {
			if t.Trainable {
				ents = append(ents,
					SafetensorsEntry{Name: "exp_avg." + t.Name, Shape: t.Shape, Data: ck.ExpAvg[t.Offset : t.Offset+t.Len()]},
					SafetensorsEntry{Name: "exp_avg_sq." + t.Name, Shape: t.Shape, Data: ck.ExpAvgSq[t.Offset : t.Offset+t.Len()]})
			}
		}
		if err := SaveSafetensors(filepath.Join(dir, OptimizerFile), ents, map[string]string{"format": "pt"}); err != nil {
			return err
		}
	}
	st := ck.State
	st.Version, st.SavedAt = CheckpointVersion, time.Now().UTC()
	js, err := json.MarshalIndent(stateFile{TrainState: st, Loss: jsonFloat(st.Loss)}, "", "  ")
	if err != nil {
		return err
	}
	err = writeFileAtomic(filepath.Join(dir, StateFile), func(w io.Writer) error {
		_, err := w.Write(append(js, '\n'))
		return err
	})
	if err != nil {
		return err
	}
	return syncDir(dir)
}

// modelEntries lists every tensor of p under its reference name and shape.
func modelEntries(p *Params) []SafetensorsEntry {
	ents := make([]SafetensorsEntry, len(p.Layout.Tensors))
	for i, t := range p.Layout.Tensors {
		ents[i] = SafetensorsEntry{Name: t.Name, Shape: t.Shape, Data: p.Data[t.Offset : t.Offset+t.Len()]}
	}
	return ents
}

// checkpointStep parses "ckpt-<step>".
func checkpointStep(name string) (int64, bool) {
	s, ok := strings.CutPrefix(name, "ckpt-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0 && CheckpointName(n) == name
}

// pruneCheckpoints removes leftovers of interrupted saves and all
// checkpoints but current and the keep−1 newest others.
func pruneCheckpoints(dir, current string, keep int) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("listing old checkpoints: %w", err)
	}
	var steps []int64
	var errs []error
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, ".ckpt-") && (strings.Contains(n, ".tmp-") || strings.Contains(n, ".old-")) {
			errs = append(errs, os.RemoveAll(filepath.Join(dir, n)))
		} else if s, ok := checkpointStep(n); ok && e.IsDir() && n != current {
			steps = append(steps, s)
		}
	}
	if keep >= 1 {
		slices.Sort(steps)
		slices.Reverse(steps)
		for _, s := range steps[min(keep-1, len(steps)):] {
			errs = append(errs, os.RemoveAll(filepath.Join(dir, CheckpointName(s))))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("removing old checkpoints: %w", err)
	}
	return nil
}

// LatestCheckpoint returns the checkpoint directory that dir designates:
// dir itself if it holds model.safetensors, else the one dir/latest names,
// else (latest missing, or naming a missing directory after a crash) the
// ckpt-<step> with the highest step that holds model.safetensors and
// state.json.
func LatestCheckpoint(dir string) (string, error) {
	if fileExists(filepath.Join(dir, ModelFile)) {
		return dir, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, LatestFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("mae: reading the latest checkpoint: %w", err)
	}
	if err == nil {
		name := strings.TrimSpace(string(b))
		if _, ok := checkpointStep(name); !ok {
			return "", fmt.Errorf("mae: %s names %q, not a checkpoint; delete it to use the newest complete ckpt-<step>", filepath.Join(dir, LatestFile), name)
		}
		if target := filepath.Join(dir, name); fileExists(target) {
			return target, nil
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("mae: no checkpoint in %s: %w", dir, err)
	}
	best, found := int64(-1), ""
	for _, e := range ents {
		s, ok := checkpointStep(e.Name())
		p := filepath.Join(dir, e.Name())
		if ok && s > best && fileExists(filepath.Join(p, ModelFile)) && fileExists(filepath.Join(p, StateFile)) {
			best, found = s, p
		}
	}
	if found == "" {
		return "", fmt.Errorf("mae: no checkpoint in %s (want a %s file or ckpt-<step> directories)", dir, LatestFile)
	}
	return found, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// LoadCheckpoint loads the checkpoint LatestCheckpoint(dir) designates:
// the weights with the config stored in them, the AdamW moments if
// optimizer.safetensors is present, and state.json.
func LoadCheckpoint(dir string) (*Checkpoint, error) {
	ckDir, err := LatestCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	p, err := LoadWeights(filepath.Join(ckDir, ModelFile), nil)
	if err != nil {
		return nil, err
	}
	ck := &Checkpoint{Params: p, Dir: ckDir}
	if optPath := filepath.Join(ckDir, OptimizerFile); fileExists(optPath) {
		if ck.ExpAvg, ck.ExpAvgSq, err = loadMoments(optPath, p.Layout); err != nil {
			return nil, err
		}
	}
	statePath := filepath.Join(ckDir, StateFile)
	b, err := os.ReadFile(statePath)
	if err != nil {
		return nil, fmt.Errorf("mae: %w (the checkpoint is incomplete; use an older one)", err)
	}
	var sf stateFile
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&sf); err != nil {
		return nil, fmt.Errorf("mae: %s: %w (the checkpoint is damaged; use an older one)", statePath, err)
	}
	if sf.Version != CheckpointVersion {
		return nil, fmt.Errorf("mae: %s: format version %d, this mae-vk reads %d (use the mae-vk that wrote it)", statePath, sf.Version, CheckpointVersion)
	}
	ck.State = sf.TrainState
	ck.State.Loss = float64(sf.Loss)
	return ck, nil
}

// loadMoments reads exp_avg.* and exp_avg_sq.* into flat buffers of length
// l.TrainableLen.
func loadMoments(path string, l *Layout) (m, v []float32, err error) {
	sf, err := OpenSafetensors(path)
	if err != nil {
		return nil, nil, fmt.Errorf("mae: %w (the checkpoint is damaged; use an older one)", err)
	}
	defer sf.Close()
	var want []SafetensorsEntry
	m, v = make([]float32, l.TrainableLen), make([]float32, l.TrainableLen)
	for _, t := range l.Tensors {
		if t.Trainable {
			want = append(want,
				SafetensorsEntry{Name: "exp_avg." + t.Name, Shape: t.Shape, Data: m[t.Offset : t.Offset+t.Len()]},
				SafetensorsEntry{Name: "exp_avg_sq." + t.Name, Shape: t.Shape, Data: v[t.Offset : t.Offset+t.Len()]})
		}
	}
	if err := readEntries(sf, want, "the optimizer state does not match the model; start the optimizer afresh"); err != nil {
		return nil, nil, err
	}
	return m, v, nil
}

// LoadWeights reads a model.safetensors written by SaveCheckpoint or by
// PyTorch (safetensors.torch.save_file(model.state_dict()) of the
// reference MaskedAutoencoderViT; F16 and BF16 are converted). A directory
// is taken as a checkpoint directory (see LatestCheckpoint). The config is
// the one stored in the file's metadata if any (cfg is then ignored; change
// the training fields of the result's Config if needed), else *cfg, else
// InferConfig's. Every tensor must be present with its reference shape,
// and no other tensor may be.
func LoadWeights(path string, cfg *Config) (*Params, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		dir, err := LatestCheckpoint(path)
		if err != nil {
			return nil, err
		}
		path = filepath.Join(dir, ModelFile)
	}
	sf, err := OpenSafetensors(path)
	if err != nil {
		return nil, fmt.Errorf("mae: loading weights: %w (give a model.safetensors saved by mae-vk or by safetensors.torch.save_file)", err)
	}
	defer sf.Close()
	var c Config
	switch js, ok := sf.Metadata[ConfigMetadataKey]; {
	case ok:
		if err := json.Unmarshal([]byte(js), &c); err != nil {
			return nil, fmt.Errorf("mae: %s: metadata %q: %w (the file is damaged)", path, ConfigMetadataKey, err)
		}
	case cfg != nil:
		c = *cfg
	default:
		if c, err = InferConfig(sf); err != nil {
			return nil, err
		}
	}
	p, err := NewParams(c)
	if err != nil {
		return nil, fmt.Errorf("mae: %s: %w", path, err)
	}
	if err := readEntries(sf, modelEntries(p), "the file holds another model configuration; pass the matching preset or flags"); err != nil {
		return nil, err
	}
	return p, nil
}

// readEntries checks that sf holds exactly the tensors of want with their
// shapes and reads them into want's Data; hint says what to do on a
// mismatch.
func readEntries(sf *SafetensorsFile, want []SafetensorsEntry, hint string) error {
	var missing, extra, shapes []string
	names := make(map[string]bool, len(want))
	for _, e := range want {
		names[e.Name] = true
		t, ok := sf.Lookup(e.Name)
		switch {
		case !ok:
			missing = append(missing, strconv.Quote(e.Name))
		case !slices.Equal(t.Shape, e.Shape):
			shapes = append(shapes, fmt.Sprintf("%q has shape %v, want %v", e.Name, t.Shape, e.Shape))
		}
	}
	for _, t := range sf.Tensors {
		if !names[t.Name] {
			extra = append(extra, strconv.Quote(t.Name))
		}
	}
	var errs []error
	for _, l := range []struct {
		what string
		list []string
	}{{"missing tensor", missing}, {"wrong shape", shapes}, {"unexpected tensor", extra}} {
		if len(l.list) > 0 {
			more := ""
			if len(l.list) > 5 {
				more = fmt.Sprintf(" and %d more", len(l.list)-5)
			}
			errs = append(errs, fmt.Errorf("%s %s%s", l.what, strings.Join(l.list[:min(5, len(l.list))], ", "), more))
		}
	}
	if len(extra) > 0 && strings.HasPrefix(sf.Tensors[0].Name, "module.") {
		hint = "the names carry a DistributedDataParallel \"module.\" prefix; save model.module.state_dict() instead"
	}
	if len(errs) > 0 {
		return fmt.Errorf("mae: %s: %w (%s)", sf.Path, errors.Join(errs...), hint)
	}
	for _, e := range want {
		if err := sf.ReadFloat32(e.Name, e.Data); err != nil {
			return fmt.Errorf("mae: %w", err)
		}
	}
	return nil
}

// InferConfig derives the architecture from the tensor shapes of a
// reference state dict: D, C and p from patch_embed.proj.weight, the image
// size from pos_embed, the depths by counting blocks, the MLP ratio from
// the first block's fc1 and the decoder width from decoder_embed. The head
// counts are not in the weights: they come from the preset with the same
// encoder and decoder widths and depths, or the result is an error asking
// for them. The mask ratio, norm-pix loss and LayerNorm epsilon are the
// reference defaults of Preset.
func InferConfig(sf *SafetensorsFile) (Config, error) {
	fail := func(format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("mae: %s: inferring the model config: "+format+" (pass a preset or a config matching the file)", append([]any{sf.Path}, args...)...)
	}
	shape := func(name string, dims int) []int {
		if t, ok := sf.Lookup(name); ok && len(t.Shape) == dims {
			return t.Shape
		}
		return nil
	}
	count := func(prefix string) int {
		n := 0
		for ; ; n++ {
			if _, ok := sf.Lookup(fmt.Sprintf("%s.%d.norm1.weight", prefix, n)); !ok {
				return n
			}
		}
	}
	pe, pos, de := shape("patch_embed.proj.weight", 4), shape("pos_embed", 3), shape("decoder_embed.weight", 2)
	fc1, dfc1 := shape("blocks.0.mlp.fc1.weight", 2), shape("decoder_blocks.0.mlp.fc1.weight", 2)
	for _, s := range []struct {
		name  string
		shape []int
	}{{"patch_embed.proj.weight", pe}, {"pos_embed", pos}, {"decoder_embed.weight", de},
		{"blocks.0.mlp.fc1.weight", fc1}, {"decoder_blocks.0.mlp.fc1.weight", dfc1}} {
		if s.shape == nil || slices.Contains(s.shape, 0) {
			return fail("tensor %q missing, empty or of the wrong rank", s.name)
		}
	}
	c, err := Preset(DefaultPreset) // for the training defaults
	if err != nil {
		return Config{}, err
	}
	c.EncDim, c.Channels, c.PatchSize, c.DecDim = pe[0], pe[1], pe[2], de[0]
	g := 0
	for g*g < pos[1]-1 {
		g++
	}
	if g*g != pos[1]-1 || pe[2] != pe[3] {
		return fail("pos_embed %v and patch_embed.proj.weight %v do not describe a square grid of square patches", pos, pe)
	}
	c.ImageSize, c.EncDepth, c.DecDepth = g*c.PatchSize, count("blocks"), count("decoder_blocks")
	c.MLPRatio = float64(fc1[0]) / float64(c.EncDim)
	if c.EncMLPDim() != fc1[0] || c.DecMLPDim() != dfc1[0] {
		return fail("MLP widths %d (encoder) and %d (decoder) do not share one ratio", fc1[0], dfc1[0])
	}
	c.EncHeads, c.DecHeads = 0, 0
	for _, name := range PresetNames() {
		p, _ := Preset(name)
		if p.EncDim == c.EncDim && p.EncDepth == c.EncDepth && p.DecDim == c.DecDim && p.DecDepth == c.DecDepth {
			c.EncHeads, c.DecHeads = p.EncHeads, p.DecHeads
		}
	}
	if c.EncHeads == 0 {
		return fail("the attention heads cannot be inferred from weights and no preset has encoder %d/%d and decoder %d/%d (width/depth); give the head counts", c.EncDim, c.EncDepth, c.DecDim, c.DecDepth)
	}
	if err := c.Validate(); err != nil {
		return fail("%w", err)
	}
	return c, nil
}
