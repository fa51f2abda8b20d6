// cvk_present.h: presenting to a window surface (VK_KHR_surface and
// VK_KHR_swapchain) from mae-vk's own C, like every Vulkan call that passes
// nested create infos: the structs live on the C stack for the duration of
// the call, so no Go finalizer can free them while the driver reads them.
//
// A frame is a buffer of packed 8-bit pixels (one uint32 per pixel, in the
// swapchain format's byte order) that a compute pass has written; it is
// copied into the acquired swapchain image and presented. No graphics
// pipeline and no storage image is needed.
#ifndef MAEVK_CVK_PRESENT_H
#define MAEVK_CVK_PRESENT_H

#include "cvk.h"

#define MVK_MAX_SWAPCHAIN_IMAGES 8

// mvk_present is one surface with its swapchain and the objects used to
// put a frame on it. Everything is in C memory.
typedef struct mvk_present {
	VkInstance instance;
	VkPhysicalDevice pd;
	VkDevice device;
	VkQueue queue;
	uint32_t family;
	VkSurfaceKHR surface;

	PFN_vkDestroySurfaceKHR destroySurface;
	PFN_vkGetPhysicalDeviceSurfaceCapabilitiesKHR getCaps;
	PFN_vkGetPhysicalDeviceSurfaceFormatsKHR getFormats;
	PFN_vkGetPhysicalDeviceSurfacePresentModesKHR getModes;
	PFN_vkCreateSwapchainKHR createSwapchain;
	PFN_vkDestroySwapchainKHR destroySwapchain;
	PFN_vkGetSwapchainImagesKHR getImages;
	PFN_vkAcquireNextImageKHR acquire;
	PFN_vkQueuePresentKHR queuePresent;
	PFN_vkCreateCommandPool createPool;
	PFN_vkDestroyCommandPool destroyPool;
	PFN_vkAllocateCommandBuffers allocCmd;
	PFN_vkBeginCommandBuffer beginCmd;
	PFN_vkEndCommandBuffer endCmd;
	PFN_vkResetCommandBuffer resetCmd;
	PFN_vkCmdPipelineBarrier cmdBarrier;
	PFN_vkCmdCopyBufferToImage cmdCopyToImage;
	PFN_vkQueueSubmit queueSubmit;
	PFN_vkCreateSemaphore createSemaphore;
	PFN_vkDestroySemaphore destroySemaphore;
	PFN_vkCreateFence createFence;
	PFN_vkDestroyFence destroyFence;
	PFN_vkWaitForFences waitFences;
	PFN_vkResetFences resetFences;
	PFN_vkDeviceWaitIdle waitIdle;

	VkCommandPool pool;
	VkCommandBuffer cmd;
	VkFence fence;
	VkSemaphore acquired;

	VkSwapchainKHR swapchain;
	VkFormat format;
	uint32_t width, height;
	uint32_t image_count;
	VkImage images[MVK_MAX_SWAPCHAIN_IMAGES];
	VkSemaphore rendered[MVK_MAX_SWAPCHAIN_IMAGES];
} mvk_present;

// mvk_present_family returns a queue family of pd that runs compute and
// presents to surface, or -1 when there is none.
int mvk_present_family(mvk_instance *in, VkPhysicalDevice pd, VkSurfaceKHR surface);

// mvk_destroy_surface destroys a surface that no mvk_present owns yet.
void mvk_destroy_surface(mvk_instance *in, VkSurfaceKHR surface);

// mvk_present_init fills p for presenting to surface from queue (of
// family) on device, taking ownership of the surface. No swapchain yet.
VkResult mvk_present_init(mvk_instance *in, VkPhysicalDevice pd, VkDevice device, VkQueue queue,
	uint32_t family, VkSurfaceKHR surface, mvk_present *p);

// mvk_present_swapchain (re)creates the swapchain for a window whose
// framebuffer is width×height pixels (used where the surface does not fix
// the extent), FIFO (vsync) when vsync != 0. On success p->width and
// p->height are the swapchain's extent; both are 0 when the window is
// minimized (no swapchain then). *missing names what the surface lacks
// when the result is VK_ERROR_FORMAT_NOT_SUPPORTED.
VkResult mvk_present_swapchain(mvk_present *p, uint32_t width, uint32_t height, int vsync, const char **missing);

// mvk_present_frame acquires an image, copies width·height packed pixels
// from src at offset into it, presents it, and waits until the copy is
// done. VK_ERROR_OUT_OF_DATE_KHR and VK_SUBOPTIMAL_KHR ask for a new
// swapchain.
VkResult mvk_present_frame(mvk_present *p, VkBuffer src, uint64_t offset);

// mvk_present_destroy waits for the device and destroys everything in p,
// the surface included.
void mvk_present_destroy(mvk_present *p);

#endif
