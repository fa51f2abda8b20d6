// Command mae-vk trains Masked Autoencoders on any Vulkan device.
//
// Commands: train, eval, reconstruct, bench (gemm, attention, train,
// data), devices, version. Each command lives in its own file and only
// wires flags to the mae, ops, loader and vk packages.
package main
