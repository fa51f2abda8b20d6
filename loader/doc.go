// Package loader feeds training: data set sources (IDX, CIFAR, image
// folders), decoding, the MAE augmentation, seeded shuffling and parallel
// prefetch into reusable batch buffers.
package loader
