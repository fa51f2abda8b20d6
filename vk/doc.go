// Package vk is mae-vk's Vulkan dispatcher: it loads the Vulkan loader,
// lists and opens devices, sub-allocates device memory into buffers, builds
// compute pipelines from embedded SPIR-V, and records command buffers that
// are replayed many times.
//
// It is the only package that imports github.com/vulkan-go/vulkan or uses
// cgo; everything above it sees plain Go types.
package vk
