package viewer

// Options configure a viewer session.
type Options struct {
	Weights string // a run directory, a checkpoint directory or a model.safetensors
	Data    string // data set: fashion-mnist, mnist, or a path; empty: by the model's channels
	Split   string // train or test
	Images  int    // images (rows) shown at once
	Start   int    // data set index of the first image
	Seed    uint64 // seeds the masks (image i starts as row i of mae.EvalMasking(cfg, Images, Seed, 0), as mae-vk reconstruct)
	Follow  bool   // reload the newest checkpoint of a training run and draw its loss curve
	Vsync   bool   // present in FIFO mode
	Width   int    // initial window size in pixels
	Height  int
	Shots   string // directory for the PNGs that s saves
	Trace   string // file for one JSON line per presented frame (tests); empty: none

	Device   string // vk.Options.Device
	Validate bool   // vk validation layer
}
