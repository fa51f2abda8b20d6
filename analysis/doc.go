// Package analysis measures what a trained MAE learned: frozen-feature
// evaluation (a linear probe with a non-affine BatchNorm in front, as in the
// MAE paper's appendix A.2, and weighted k-NN), and the measurements behind
// the five questions of "How to Understand Masked Autoencoders" (Cao, Xu,
// Clifton, arXiv 2202.03670): token norms, effective rank and attention
// statistics per layer, linear CKA between layers, the spectrum of the
// decoder's reconstructions, and reconstruction error against the distance
// to the nearest visible patch beside copy and interpolation baselines.
//
// The measures are plain Go functions on float slices (tested on inputs
// with known answers); Analyze and Probe collect the inputs from a model on
// a Vulkan device (mae.Model.Tap) and Report writes the plots, the JSON and
// a self-contained HTML page.
package analysis
