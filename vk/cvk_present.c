// cvk_present.c: see cvk_present.h.
#include "cvk_present.h"
#include <string.h>

#define ILOAD(p, in, field, name) (p)->field = (void *)(in)->gipa((in)->instance, name)

int mvk_present_family(mvk_instance *in, VkPhysicalDevice pd, VkSurfaceKHR surface) {
	PFN_vkGetPhysicalDeviceSurfaceSupportKHR support =
		(PFN_vkGetPhysicalDeviceSurfaceSupportKHR)in->gipa(in->instance, "vkGetPhysicalDeviceSurfaceSupportKHR");
	if (!support) return -1;
	uint32_t nq = 0;
	in->getQueueFamilies(pd, &nq, NULL);
	if (nq == 0) return -1;
	VkQueueFamilyProperties *qf = calloc(nq, sizeof(*qf));
	in->getQueueFamilies(pd, &nq, qf);
	int found = -1;
	for (uint32_t i = 0; i < nq && found < 0; i++) {
		if (!(qf[i].queueFlags & VK_QUEUE_COMPUTE_BIT)) continue;
		VkBool32 ok = VK_FALSE;
		if (support(pd, i, surface, &ok) == VK_SUCCESS && ok) found = (int)i;
	}
	free(qf);
	return found;
}

void mvk_destroy_surface(mvk_instance *in, VkSurfaceKHR surface) {
	PFN_vkDestroySurfaceKHR destroy = (PFN_vkDestroySurfaceKHR)in->gipa(in->instance, "vkDestroySurfaceKHR");
	if (destroy && surface) destroy(in->instance, surface, NULL);
}

VkResult mvk_present_init(mvk_instance *in, VkPhysicalDevice pd, VkDevice device, VkQueue queue,
	uint32_t family, VkSurfaceKHR surface, mvk_present *p) {
	memset(p, 0, sizeof(*p));
	p->instance = in->instance;
	p->pd = pd;
	p->device = device;
	p->queue = queue;
	p->family = family;
	p->surface = surface;
	ILOAD(p, in, destroySurface, "vkDestroySurfaceKHR");
	ILOAD(p, in, getCaps, "vkGetPhysicalDeviceSurfaceCapabilitiesKHR");
	ILOAD(p, in, getFormats, "vkGetPhysicalDeviceSurfaceFormatsKHR");
	ILOAD(p, in, getModes, "vkGetPhysicalDeviceSurfacePresentModesKHR");
	ILOAD(p, in, createSwapchain, "vkCreateSwapchainKHR");
	ILOAD(p, in, destroySwapchain, "vkDestroySwapchainKHR");
	ILOAD(p, in, getImages, "vkGetSwapchainImagesKHR");
	ILOAD(p, in, acquire, "vkAcquireNextImageKHR");
	ILOAD(p, in, queuePresent, "vkQueuePresentKHR");
	ILOAD(p, in, createPool, "vkCreateCommandPool");
	ILOAD(p, in, destroyPool, "vkDestroyCommandPool");
	ILOAD(p, in, allocCmd, "vkAllocateCommandBuffers");
	ILOAD(p, in, beginCmd, "vkBeginCommandBuffer");
	ILOAD(p, in, endCmd, "vkEndCommandBuffer");
	ILOAD(p, in, resetCmd, "vkResetCommandBuffer");
	ILOAD(p, in, cmdBarrier, "vkCmdPipelineBarrier");
	ILOAD(p, in, cmdCopyToImage, "vkCmdCopyBufferToImage");
	ILOAD(p, in, queueSubmit, "vkQueueSubmit");
	ILOAD(p, in, createSemaphore, "vkCreateSemaphore");
	ILOAD(p, in, destroySemaphore, "vkDestroySemaphore");
	ILOAD(p, in, createFence, "vkCreateFence");
	ILOAD(p, in, destroyFence, "vkDestroyFence");
	ILOAD(p, in, waitFences, "vkWaitForFences");
	ILOAD(p, in, resetFences, "vkResetFences");
	ILOAD(p, in, waitIdle, "vkDeviceWaitIdle");
	if (!p->createSwapchain || !p->acquire || !p->queuePresent || !p->getCaps) return VK_ERROR_EXTENSION_NOT_PRESENT;

	VkCommandPoolCreateInfo pci = {VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
	pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
	pci.queueFamilyIndex = family;
	VkResult r = p->createPool(device, &pci, NULL, &p->pool);
	if (r != VK_SUCCESS) return r;
	VkCommandBufferAllocateInfo ai = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
	ai.commandPool = p->pool;
	ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
	ai.commandBufferCount = 1;
	if ((r = p->allocCmd(device, &ai, &p->cmd)) != VK_SUCCESS) return r;
	VkFenceCreateInfo fci = {VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
	if ((r = p->createFence(device, &fci, NULL, &p->fence)) != VK_SUCCESS) return r;
	VkSemaphoreCreateInfo sci = {VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
	return p->createSemaphore(device, &sci, NULL, &p->acquired);
}

// drop_swapchain destroys the swapchain and its per-image semaphores; the
// device must be idle.
static void drop_swapchain(mvk_present *p) {
	for (uint32_t i = 0; i < p->image_count; i++) {
		if (p->rendered[i]) p->destroySemaphore(p->device, p->rendered[i], NULL);
		p->rendered[i] = VK_NULL_HANDLE;
		p->images[i] = VK_NULL_HANDLE;
	}
	p->image_count = 0;
	if (p->swapchain) p->destroySwapchain(p->device, p->swapchain, NULL);
	p->swapchain = VK_NULL_HANDLE;
	p->width = p->height = 0;
}

// pick_format returns a 4-byte, 8-bit-per-channel format the surface offers,
// UNORM before sRGB (frames are copied byte for byte either way).
static VkResult pick_format(mvk_present *p, VkSurfaceFormatKHR *out) {
	uint32_t n = 0;
	VkResult r = p->getFormats(p->pd, p->surface, &n, NULL);
	if (r != VK_SUCCESS) return r;
	if (n == 0) return VK_ERROR_FORMAT_NOT_SUPPORTED;
	VkSurfaceFormatKHR *f = calloc(n, sizeof(*f));
	r = p->getFormats(p->pd, p->surface, &n, f);
	const VkFormat prefer[] = {VK_FORMAT_B8G8R8A8_UNORM, VK_FORMAT_R8G8B8A8_UNORM, VK_FORMAT_B8G8R8A8_SRGB, VK_FORMAT_R8G8B8A8_SRGB};
	int found = 0;
	for (int k = 0; k < 4 && !found && r == VK_SUCCESS; k++) {
		for (uint32_t i = 0; i < n; i++) {
			if (f[i].format == prefer[k]) {
				*out = f[i];
				found = 1;
				break;
			}
		}
	}
	free(f);
	if (r != VK_SUCCESS) return r;
	return found ? VK_SUCCESS : VK_ERROR_FORMAT_NOT_SUPPORTED;
}

VkResult mvk_present_swapchain(mvk_present *p, uint32_t width, uint32_t height, int vsync, const char **missing) {
	*missing = "";
	if (p->waitIdle(p->device) != VK_SUCCESS) return VK_ERROR_DEVICE_LOST;
	VkSurfaceCapabilitiesKHR caps;
	VkResult r = p->getCaps(p->pd, p->surface, &caps);
	if (r != VK_SUCCESS) return r;
	VkExtent2D ext = caps.currentExtent;
	if (ext.width == UINT32_MAX) {
		ext.width = width;
		ext.height = height;
		if (ext.width < caps.minImageExtent.width) ext.width = caps.minImageExtent.width;
		if (ext.height < caps.minImageExtent.height) ext.height = caps.minImageExtent.height;
		if (ext.width > caps.maxImageExtent.width) ext.width = caps.maxImageExtent.width;
		if (ext.height > caps.maxImageExtent.height) ext.height = caps.maxImageExtent.height;
	}
	if (ext.width == 0 || ext.height == 0 || width == 0 || height == 0) {
		drop_swapchain(p); // minimized: nothing to present to
		return VK_SUCCESS;
	}
	if (!(caps.supportedUsageFlags & VK_IMAGE_USAGE_TRANSFER_DST_BIT)) {
		*missing = "swapchain images that can be copied to (VK_IMAGE_USAGE_TRANSFER_DST_BIT)";
		return VK_ERROR_FORMAT_NOT_SUPPORTED;
	}
	VkSurfaceFormatKHR fmt;
	if ((r = pick_format(p, &fmt)) != VK_SUCCESS) {
		if (r == VK_ERROR_FORMAT_NOT_SUPPORTED) *missing = "an 8-bit BGRA or RGBA surface format";
		return r;
	}
	VkPresentModeKHR mode = VK_PRESENT_MODE_FIFO_KHR; // always supported: vsync
	if (!vsync) {
		uint32_t n = 0;
		VkPresentModeKHR modes[16];
		p->getModes(p->pd, p->surface, &n, NULL);
		if (n > 16) n = 16;
		if (p->getModes(p->pd, p->surface, &n, modes) == VK_SUCCESS || n > 0) {
			for (uint32_t i = 0; i < n; i++) {
				if (modes[i] == VK_PRESENT_MODE_IMMEDIATE_KHR || modes[i] == VK_PRESENT_MODE_MAILBOX_KHR) mode = modes[i];
			}
		}
	}
	uint32_t count = caps.minImageCount + 1;
	if (caps.maxImageCount > 0 && count > caps.maxImageCount) count = caps.maxImageCount;
	if (count > MVK_MAX_SWAPCHAIN_IMAGES) count = MVK_MAX_SWAPCHAIN_IMAGES;
	VkCompositeAlphaFlagBitsKHR alpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR;
	if (!(caps.supportedCompositeAlpha & alpha)) {
		const VkCompositeAlphaFlagBitsKHR others[] = {VK_COMPOSITE_ALPHA_INHERIT_BIT_KHR,
			VK_COMPOSITE_ALPHA_PRE_MULTIPLIED_BIT_KHR, VK_COMPOSITE_ALPHA_POST_MULTIPLIED_BIT_KHR};
		for (int i = 0; i < 3; i++) {
			if (caps.supportedCompositeAlpha & others[i]) {
				alpha = others[i];
				break;
			}
		}
	}

	VkSwapchainCreateInfoKHR ci = {VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR};
	ci.surface = p->surface;
	ci.minImageCount = count;
	ci.imageFormat = fmt.format;
	ci.imageColorSpace = fmt.colorSpace;
	ci.imageExtent = ext;
	ci.imageArrayLayers = 1;
	ci.imageUsage = VK_IMAGE_USAGE_TRANSFER_DST_BIT;
	ci.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE;
	ci.preTransform = caps.currentTransform;
	ci.compositeAlpha = alpha;
	ci.presentMode = mode;
	ci.clipped = VK_TRUE;
	ci.oldSwapchain = p->swapchain;
	VkSwapchainKHR sc = VK_NULL_HANDLE;
	r = p->createSwapchain(p->device, &ci, NULL, &sc);
	drop_swapchain(p); // the old one is retired either way
	if (r != VK_SUCCESS) return r;
	p->swapchain = sc;
	uint32_t n = 0;
	if ((r = p->getImages(p->device, sc, &n, NULL)) != VK_SUCCESS) return r;
	if (n > MVK_MAX_SWAPCHAIN_IMAGES) n = MVK_MAX_SWAPCHAIN_IMAGES;
	if ((r = p->getImages(p->device, sc, &n, p->images)) != VK_SUCCESS && r != VK_INCOMPLETE) return r;
	VkSemaphoreCreateInfo sci = {VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
	for (uint32_t i = 0; i < n; i++) {
		if ((r = p->createSemaphore(p->device, &sci, NULL, &p->rendered[i])) != VK_SUCCESS) return r;
		p->image_count = i + 1;
	}
	p->format = fmt.format;
	p->width = ext.width;
	p->height = ext.height;
	return VK_SUCCESS;
}

// image_barrier records a layout transition of the whole colour image.
static void image_barrier(mvk_present *p, VkImage img, VkImageLayout from, VkImageLayout to,
	VkAccessFlags srcAccess, VkAccessFlags dstAccess, VkPipelineStageFlags srcStage, VkPipelineStageFlags dstStage) {
	VkImageMemoryBarrier b = {VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER};
	b.srcAccessMask = srcAccess;
	b.dstAccessMask = dstAccess;
	b.oldLayout = from;
	b.newLayout = to;
	b.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
	b.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
	b.image = img;
	b.subresourceRange.aspectMask = VK_IMAGE_ASPECT_COLOR_BIT;
	b.subresourceRange.levelCount = 1;
	b.subresourceRange.layerCount = 1;
	p->cmdBarrier(p->cmd, srcStage, dstStage, 0, 0, NULL, 0, NULL, 1, &b);
}

VkResult mvk_present_frame(mvk_present *p, VkBuffer src, uint64_t offset) {
	if (!p->swapchain) return VK_ERROR_OUT_OF_DATE_KHR;
	uint32_t idx = 0;
	VkResult r = p->acquire(p->device, p->swapchain, UINT64_MAX, p->acquired, VK_NULL_HANDLE, &idx);
	if (r != VK_SUCCESS && r != VK_SUBOPTIMAL_KHR) return r;
	VkResult acquired = r;
	VkImage img = p->images[idx];

	p->resetCmd(p->cmd, 0);
	VkCommandBufferBeginInfo bi = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
	bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
	if ((r = p->beginCmd(p->cmd, &bi)) != VK_SUCCESS) return r;
	// The frame was written by a compute pass of an earlier submission.
	VkMemoryBarrier mb = {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
	mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
	mb.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
	p->cmdBarrier(p->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
		VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &mb, 0, NULL, 0, NULL);
	image_barrier(p, img, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
		0, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT);
	VkBufferImageCopy region = {0};
	region.bufferOffset = offset;
	region.bufferRowLength = p->width;
	region.bufferImageHeight = p->height;
	region.imageSubresource.aspectMask = VK_IMAGE_ASPECT_COLOR_BIT;
	region.imageSubresource.layerCount = 1;
	region.imageExtent.width = p->width;
	region.imageExtent.height = p->height;
	region.imageExtent.depth = 1;
	p->cmdCopyToImage(p->cmd, src, img, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
	image_barrier(p, img, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR,
		VK_ACCESS_TRANSFER_WRITE_BIT, 0, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT);
	if ((r = p->endCmd(p->cmd)) != VK_SUCCESS) return r;

	VkPipelineStageFlags waitStage = VK_PIPELINE_STAGE_TRANSFER_BIT;
	VkSubmitInfo si = {VK_STRUCTURE_TYPE_SUBMIT_INFO};
	si.waitSemaphoreCount = 1;
	si.pWaitSemaphores = &p->acquired;
	si.pWaitDstStageMask = &waitStage;
	si.commandBufferCount = 1;
	si.pCommandBuffers = &p->cmd;
	si.signalSemaphoreCount = 1;
	si.pSignalSemaphores = &p->rendered[idx];
	if ((r = p->resetFences(p->device, 1, &p->fence)) != VK_SUCCESS) return r;
	if ((r = p->queueSubmit(p->queue, 1, &si, p->fence)) != VK_SUCCESS) return r;

	VkPresentInfoKHR pi = {VK_STRUCTURE_TYPE_PRESENT_INFO_KHR};
	pi.waitSemaphoreCount = 1;
	pi.pWaitSemaphores = &p->rendered[idx];
	pi.swapchainCount = 1;
	pi.pSwapchains = &p->swapchain;
	pi.pImageIndices = &idx;
	VkResult pr = p->queuePresent(p->queue, &pi);
	// The frame buffer and the command buffer are reused by the next frame.
	r = p->waitFences(p->device, 1, &p->fence, VK_TRUE, UINT64_MAX);
	if (r != VK_SUCCESS) return r;
	if (pr != VK_SUCCESS) return pr;
	return acquired;
}

void mvk_present_destroy(mvk_present *p) {
	if (!p->device) {
		return;
	}
	p->waitIdle(p->device);
	drop_swapchain(p);
	if (p->acquired) p->destroySemaphore(p->device, p->acquired, NULL);
	if (p->fence) p->destroyFence(p->device, p->fence, NULL);
	if (p->pool) p->destroyPool(p->device, p->pool, NULL);
	if (p->surface && p->destroySurface) p->destroySurface(p->instance, p->surface, NULL);
	memset(p, 0, sizeof(*p));
}
