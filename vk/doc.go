// Package vk is mae-vk's Vulkan dispatcher: it loads the Vulkan loader,
// lists and opens devices, sub-allocates device memory into buffers, builds
// compute pipelines from embedded SPIR-V, and records command buffers that
// are replayed many times.
//
// It is the only package that imports github.com/vulkan-go/vulkan or uses
// cgo; everything above it sees plain Go types.
//
// # The rule for Vulkan calls
//
// A call whose structs hold pointers goes through our own C (cvk.c);
// vulkan-go is for types, constants and calls that pass only values,
// handles and direct pointer or slice arguments.
//
// In detail: vulkan-go copies a slice that sits inside a struct (pBindings,
// pSetLayouts, pPoolSizes, pCode through a Go slice, pNext chains) into C
// memory that a finalizer frees as soon as the Go copy is unreachable,
// which can be while the driver is still inside the call; a Go pointer
// stored inside a C copy is not kept alive at all. So:
//
//   - If any struct the call passes has a pointer field that is not nil
//     (an array, a string, code, initial data, a nested struct, pNext), write
//     a function mvk_<verb>_<noun> in cvk.c that builds every struct on the C
//     stack, declare it with a doc comment in cvk.h, and call it from Go with
//     numbers, handles and direct pointers only (cgo keeps a Go pointer
//     passed as an argument alive for the call). Turn its VkResult into an
//     error with checkC.
//   - Otherwise (a create-info of values and handles only, or a Go slice
//     passed as a direct argument such as vkWaitForFences' fences) the
//     vulkan-go function may be used; it is listed in flatCalls in
//     rule_test.go, which fails on any vulkan-go call not listed there.
//
// Structs that Vulkan fills (properties, features) are read in C as well.
//
// Presenting to a window (surface queries, swapchain, acquire, copy,
// present: present.go and swapchain.go) follows the same rule from its own
// C file, cvk_present.c; the window system only names its instance
// extensions and creates the surface (Options.Present).
package vk
