// cvk.h: the part of Vulkan that mae-vk calls from its own C rather than
// through vulkan-go: loading the loader, instance and device creation with
// pNext chains (features of Vulkan 1.1-1.3), Properties2/Features2 queries,
// the debug-utils messenger, and every call whose structs hold pointers
// (the rule is in doc.go). Every struct Vulkan reads is built here, on the C
// stack, so no Go pointer is ever stored where Vulkan can see it and no
// finalizer can free what the driver is still reading.
#ifndef MAEVK_CVK_H
#define MAEVK_CVK_H

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>
#include <stdint.h>
#include <stdlib.h>

// VK_KHR_cooperative_matrix arrived in the headers with 1.3.255; Debian 12
// has 1.3.239, so its part that mae-vk uses is declared here (values from
// the Vulkan registry, vk.xml). VkComponentTypeNV and VkScopeNV, which the
// 1.3.239 header has, share the KHR enums' values.
#ifndef VK_KHR_cooperative_matrix
#define VK_KHR_cooperative_matrix 1
#define VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME "VK_KHR_cooperative_matrix"
#define MVK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR ((VkStructureType)1000506000)
#define MVK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR ((VkStructureType)1000506001)
typedef struct VkCooperativeMatrixPropertiesKHR {
	VkStructureType sType;
	void *pNext;
	uint32_t MSize, NSize, KSize;
	VkComponentTypeNV AType, BType, CType, ResultType;
	VkBool32 saturatingAccumulation;
	VkScopeNV scope;
} VkCooperativeMatrixPropertiesKHR;
typedef struct VkPhysicalDeviceCooperativeMatrixFeaturesKHR {
	VkStructureType sType;
	void *pNext;
	VkBool32 cooperativeMatrix;
	VkBool32 cooperativeMatrixRobustBufferAccess;
} VkPhysicalDeviceCooperativeMatrixFeaturesKHR;
typedef VkResult (VKAPI_PTR *PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR)(
	VkPhysicalDevice, uint32_t *, VkCooperativeMatrixPropertiesKHR *);
#else
#define MVK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR
#define MVK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR
#endif

// VK_KHR_shader_bfloat16 (headers 1.4.311): its feature struct, declared
// under mae-vk's own name (values from the Vulkan registry, vk.xml), so
// that `mae-vk devices` reports bf16 cooperative matrices and the device
// is created with them (the bf16 cooperative-matrix GEMM).
#define MVK_KHR_SHADER_BFLOAT16_EXTENSION_NAME "VK_KHR_shader_bfloat16"
#define MVK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_BFLOAT16_FEATURES_KHR ((VkStructureType)1000141000)
typedef struct mvk_shader_bfloat16_features {
	VkStructureType sType;
	void *pNext;
	VkBool32 shaderBFloat16Type;
	VkBool32 shaderBFloat16DotProduct;
	VkBool32 shaderBFloat16CooperativeMatrix;
} mvk_shader_bfloat16_features;

// MVK_MAX_COOPMAT bounds the cooperative-matrix shapes kept per device.
#define MVK_MAX_COOPMAT 32

// mvk_coopmat_shape is one entry of a device's cooperative-matrix list:
// D (result) = A (MxK) * B (KxN) + C, component types as VkComponentTypeKHR.
typedef struct mvk_coopmat_shape {
	uint32_t m, n, k, a, b, c, result, saturating, scope, khr;
} mvk_coopmat_shape;

// mvk_load_loader dlopens libvulkan.so.1 and returns vkGetInstanceProcAddr,
// or NULL with *err set to a static message.
PFN_vkGetInstanceProcAddr mvk_load_loader(const char **err);

// mvk_instance holds the instance and the function pointers it was created with.
typedef struct mvk_instance {
	VkInstance instance;
	PFN_vkGetInstanceProcAddr gipa;
	PFN_vkDestroyInstance destroyInstance;
	PFN_vkEnumeratePhysicalDevices enumeratePhysicalDevices;
	PFN_vkGetPhysicalDeviceProperties getProperties;
	PFN_vkGetPhysicalDeviceProperties2 getProperties2;
	PFN_vkGetPhysicalDeviceFeatures2 getFeatures2;
	PFN_vkGetPhysicalDeviceMemoryProperties getMemoryProperties;
	PFN_vkGetPhysicalDeviceQueueFamilyProperties getQueueFamilies;
	PFN_vkEnumerateDeviceExtensionProperties enumerateDeviceExtensions;
	PFN_vkCreateDevice createDevice;
	PFN_vkDestroyDevice destroyDevice;
	PFN_vkGetDeviceQueue getDeviceQueue;
	PFN_vkCreateComputePipelines createComputePipelines;
	PFN_vkQueueSubmit queueSubmit;
	PFN_vkCmdPipelineBarrier cmdPipelineBarrier;
	PFN_vkCmdCopyBuffer cmdCopyBuffer;
	PFN_vkUpdateDescriptorSets updateDescriptorSets;
	PFN_vkCreateShaderModule createShaderModule;
	PFN_vkCreateDescriptorSetLayout createSetLayout;
	PFN_vkCreatePipelineLayout createPipelineLayout;
	PFN_vkCreateDescriptorPool createDescriptorPool;
	PFN_vkAllocateDescriptorSets allocateDescriptorSets;
	PFN_vkCreatePipelineCache createPipelineCache;
	PFN_vkCreateDebugUtilsMessengerEXT createMessenger;
	PFN_vkDestroyDebugUtilsMessengerEXT destroyMessenger;
	VkDebugUtilsMessengerEXT messenger;
} mvk_instance;

// mvk_create_instance creates an instance. validate asks for the Khronos
// validation layer (and sync validation when sync != 0); user is handed back
// to goVkDebugMessage with every message; extra lists up to
// MVK_MAX_EXTRA_EXTENSIONS more instance extensions to enable (a window
// system's surface extensions). Returns the VkResult; on failure *out is
// left empty.
#define MVK_MAX_EXTRA_EXTENSIONS 8
VkResult mvk_create_instance(PFN_vkGetInstanceProcAddr gipa, int validate, int sync,
	uintptr_t user, uint32_t extra_n, char **extra, mvk_instance *out);
void mvk_destroy_instance(mvk_instance *in);

// mvk_has_layer reports whether the loader lists the named instance layer.
int mvk_has_layer(PFN_vkGetInstanceProcAddr gipa, const char *name);

// mvk_device_info is everything `mae-vk devices` prints about one device.
typedef struct mvk_device_info {
	char name[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE];
	char driver_name[VK_MAX_DRIVER_NAME_SIZE];
	char driver_info[VK_MAX_DRIVER_INFO_SIZE];
	uint32_t device_type, vendor_id, device_id, api_version, driver_version;
	uint32_t subgroup_size, subgroup_min, subgroup_max, subgroup_ops, subgroup_stages;
	uint32_t max_invocations, max_size[3], max_count[3], shared_memory;
	uint32_t max_push_constants, max_storage_buffers, max_texel_elements;
	uint64_t max_storage_range, storage_align, texel_align;
	float timestamp_period;
	uint32_t float16, int8, storage16, storage8, host_query_reset, size_control, full_subgroups;
	uint32_t cooperative_matrix, subgroup_size_control_ext;
	// required_size_compute: the compute stage is in the device's
	// requiredSubgroupSizeStages; max_workgroup_subgroups is
	// maxComputeWorkgroupSubgroups (both 0 without subgroup size control).
	uint32_t required_size_compute, max_workgroup_subgroups;
	// cooperative_matrix is the KHR feature, cooperative_matrix_nv the NV
	// one; each is set only when its extension is listed too.
	uint32_t cooperative_matrix_nv;
	// vulkan_memory_model: glslang declares the Vulkan memory model in
	// every cooperative-matrix module, so the feature is enabled with it.
	uint32_t vulkan_memory_model;
	// bfloat16_type and bfloat16_coopmat: VK_KHR_shader_bfloat16's
	// shaderBFloat16Type and shaderBFloat16CooperativeMatrix.
	uint32_t bfloat16_type, bfloat16_coopmat;
	uint32_t coopmat_count;
	mvk_coopmat_shape coopmat[MVK_MAX_COOPMAT];
	uint32_t heap_count;
	uint64_t heap_size[VK_MAX_MEMORY_HEAPS];
	uint32_t heap_flags[VK_MAX_MEMORY_HEAPS];
	uint32_t type_count;
	uint32_t type_flags[VK_MAX_MEMORY_TYPES];
	uint32_t type_heap[VK_MAX_MEMORY_TYPES];
	uint32_t compute_family, timestamp_bits;
} mvk_device_info;

// mvk_physical_devices fills up to max handles; returns the count or a negative VkResult.
int mvk_physical_devices(mvk_instance *in, VkPhysicalDevice *out, int max);
void mvk_query_device(mvk_instance *in, VkPhysicalDevice pd, mvk_device_info *info);

// mvk_create_device creates a logical device with one compute queue and the
// optional features in info that are present switched on; the queue is of
// info->compute_family. swapchain != 0 enables VK_KHR_swapchain.
VkResult mvk_create_device(mvk_instance *in, VkPhysicalDevice pd, const mvk_device_info *info,
	int swapchain, VkDevice *device, VkQueue *queue);
void mvk_destroy_device(mvk_instance *in, VkDevice device);

// mvk_create_compute_pipeline creates one compute pipeline with entry point
// "main" and n 32-bit specialization constants (ids 0..n-1, n <= 32); when
// subgroup_size is not 0, the stage requires that subgroup size
// (VkPipelineShaderStageRequiredSubgroupSizeCreateInfo) with full
// subgroups (the caller checked that the device allows it). It is
// ours rather than vulkan-go's because vulkan-go frees its copies of the
// create-info structs from a finalizer that can run while the driver still
// reads them (pipeline creation can take seconds).
VkResult mvk_create_compute_pipeline(mvk_instance *in, VkDevice device, VkPipelineCache cache,
	VkShaderModule module, VkPipelineLayout layout, const uint32_t *spec, uint32_t n,
	uint32_t subgroup_size, VkPipeline *out);

// mvk_queue_submit submits one command buffer, signalling fence (for the
// same reason as above).
VkResult mvk_queue_submit(mvk_instance *in, VkQueue queue, VkCommandBuffer cmd, VkFence fence);

// mvk_cmd_barrier records one global memory barrier.
void mvk_cmd_barrier(mvk_instance *in, VkCommandBuffer cmd, uint32_t srcStage, uint32_t dstStage,
	uint32_t srcAccess, uint32_t dstAccess);

// mvk_cmd_copy records one buffer-to-buffer copy.
void mvk_cmd_copy(mvk_instance *in, VkCommandBuffer cmd, VkBuffer src, VkBuffer dst,
	uint64_t srcOff, uint64_t dstOff, uint64_t size);

// mvk_update_set points bindings 0..n-1 of set at buffers (types[i] a
// VkDescriptorType: storage buffers use buffers/offsets/ranges, texel
// buffers views). n <= 16.
void mvk_update_set(mvk_instance *in, VkDevice device, VkDescriptorSet set, uint32_t n,
	const uint32_t *types, VkBuffer *buffers, const uint64_t *offsets, const uint64_t *ranges, VkBufferView *views);

// mvk_create_shader_module creates a module from size bytes of SPIR-V.
VkResult mvk_create_shader_module(mvk_instance *in, VkDevice device, const uint32_t *code, size_t size,
	VkShaderModule *out);

// mvk_create_set_layout creates a set layout with bindings 0..n-1 visible
// to the compute stage, binding i of descriptor type types[i]. n <= 16.
VkResult mvk_create_set_layout(mvk_instance *in, VkDevice device, uint32_t n, const uint32_t *types,
	VkDescriptorSetLayout *out);

// mvk_create_pipeline_layout creates a layout of one set and, when
// push_bytes > 0, one compute push-constant range of push_bytes.
VkResult mvk_create_pipeline_layout(mvk_instance *in, VkDevice device, VkDescriptorSetLayout set,
	uint32_t push_bytes, VkPipelineLayout *out);

// mvk_create_descriptor_pool creates a pool of max_sets sets holding
// storage storage-buffer and texel uniform-texel-buffer descriptors.
VkResult mvk_create_descriptor_pool(mvk_instance *in, VkDevice device, uint32_t max_sets,
	uint32_t storage, uint32_t texel, VkDescriptorPool *out);

// mvk_allocate_set allocates one set of layout from pool.
VkResult mvk_allocate_set(mvk_instance *in, VkDevice device, VkDescriptorPool pool,
	VkDescriptorSetLayout layout, VkDescriptorSet *out);

// mvk_create_pipeline_cache creates a pipeline cache seeded with size bytes
// of data (size 0: empty).
VkResult mvk_create_pipeline_cache(mvk_instance *in, VkDevice device, const void *data, size_t size,
	VkPipelineCache *out);

#endif
