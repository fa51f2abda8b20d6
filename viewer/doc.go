// Package viewer is mae-vk-view: a window that shows what a Masked
// Autoencoder sees and rebuilds, on the same Vulkan device and model code
// as training. Each row is one image as original | masked input |
// reconstruction | reconstruction with the visible patches pasted back
// (mae.ReconGrid); masks are painted with the mouse and the model reruns
// on the device for that image at once.
//
// A frame is composed by a compute shader (ops.Compose) into a buffer that
// vk copies into the swapchain image; the window and its input come from
// GLFW, the surface from GLFW's Vulkan support, everything else from vk.
//
// Files: window.go (GLFW window and input queue), app.go (the loop,
// drawing, status), input.go (mouse and keys), scene.go (images, masks,
// reconstructions), data.go (data set and picture files), recon.go (models
// per visible-patch count, attention), layout.go (geometry and hit tests),
// ui.go (status bar in basicfont's 7×13 bitmap face, loss curve), frame.go
// (device buffers, compose, present, PNG), follow.go (--follow), trace.go
// (one JSON line per presented frame, for tests).
package viewer
