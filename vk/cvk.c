// cvk.c: see cvk.h.
#include "cvk.h"
#include <dlfcn.h>
#include <string.h>
#include <stdlib.h>

// Implemented in Go (messages.go).
extern void goVkDebugMessage(uintptr_t user, int severity, int type, char *id, char *text);

PFN_vkGetInstanceProcAddr mvk_load_loader(const char **err) {
	void *lib = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		*err = "cannot load libvulkan.so.1";
		return NULL;
	}
	PFN_vkGetInstanceProcAddr gipa = (PFN_vkGetInstanceProcAddr)dlsym(lib, "vkGetInstanceProcAddr");
	if (!gipa) {
		*err = "libvulkan.so.1 has no vkGetInstanceProcAddr";
		return NULL;
	}
	return gipa;
}

static VKAPI_ATTR VkBool32 VKAPI_CALL debug_cb(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
	VkDebugUtilsMessageTypeFlagsEXT type, const VkDebugUtilsMessengerCallbackDataEXT *data, void *user) {
	goVkDebugMessage((uintptr_t)user, (int)severity, (int)type,
		(char *)(data->pMessageIdName ? data->pMessageIdName : ""),
		(char *)(data->pMessage ? data->pMessage : ""));
	return VK_FALSE;
}

int mvk_has_layer(PFN_vkGetInstanceProcAddr gipa, const char *name) {
	PFN_vkEnumerateInstanceLayerProperties enumerate =
		(PFN_vkEnumerateInstanceLayerProperties)gipa(NULL, "vkEnumerateInstanceLayerProperties");
	if (!enumerate) return 0;
	uint32_t n = 0;
	if (enumerate(&n, NULL) != VK_SUCCESS || n == 0) return 0;
	VkLayerProperties *props = calloc(n, sizeof(*props));
	int found = 0;
	if (enumerate(&n, props) == VK_SUCCESS) {
		for (uint32_t i = 0; i < n; i++) {
			if (strcmp(props[i].layerName, name) == 0) found = 1;
		}
	}
	free(props);
	return found;
}

static int has_instance_extension(PFN_vkGetInstanceProcAddr gipa, const char *name) {
	PFN_vkEnumerateInstanceExtensionProperties enumerate =
		(PFN_vkEnumerateInstanceExtensionProperties)gipa(NULL, "vkEnumerateInstanceExtensionProperties");
	uint32_t n = 0;
	if (!enumerate || enumerate(NULL, &n, NULL) != VK_SUCCESS || n == 0) return 0;
	VkExtensionProperties *props = calloc(n, sizeof(*props));
	int found = 0;
	if (enumerate(NULL, &n, props) == VK_SUCCESS) {
		for (uint32_t i = 0; i < n; i++) {
			if (strcmp(props[i].extensionName, name) == 0) found = 1;
		}
	}
	free(props);
	return found;
}

#define LOAD(in, field, name) (in)->field = (void *)(in)->gipa((in)->instance, name)

VkResult mvk_create_instance(PFN_vkGetInstanceProcAddr gipa, int validate, int sync,
	uintptr_t user, uint32_t extra_n, char **extra, mvk_instance *out) {
	memset(out, 0, sizeof(*out));
	PFN_vkCreateInstance create = (PFN_vkCreateInstance)gipa(NULL, "vkCreateInstance");
	PFN_vkEnumerateInstanceVersion version = (PFN_vkEnumerateInstanceVersion)gipa(NULL, "vkEnumerateInstanceVersion");
	if (!create) return VK_ERROR_INITIALIZATION_FAILED;
	uint32_t api = VK_API_VERSION_1_0;
	if (version) version(&api);
	if (api > VK_API_VERSION_1_3) api = VK_API_VERSION_1_3;
	if (api < VK_API_VERSION_1_1) return VK_ERROR_INCOMPATIBLE_DRIVER;

	VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO};
	app.pApplicationName = "mae-vk";
	app.pEngineName = "mae-vk";
	app.apiVersion = api;

	const char *layers[1];
	const char *exts[1 + MVK_MAX_EXTRA_EXTENSIONS];
	if (extra_n > MVK_MAX_EXTRA_EXTENSIONS) return VK_ERROR_EXTENSION_NOT_PRESENT;
	VkInstanceCreateInfo ci = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
	ci.pApplicationInfo = &app;

	VkDebugUtilsMessengerCreateInfoEXT mci = {VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
	mci.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
	mci.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
		VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
	mci.pfnUserCallback = debug_cb;
	mci.pUserData = (void *)user;

	VkValidationFeatureEnableEXT enables[1] = {VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT};
	VkValidationFeaturesEXT vf = {VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
	vf.enabledValidationFeatureCount = 1;
	vf.pEnabledValidationFeatures = enables;

	int messenger = 0;
	if (validate) {
		layers[0] = "VK_LAYER_KHRONOS_validation";
		ci.enabledLayerCount = 1;
		ci.ppEnabledLayerNames = layers;
		// The validation layer implements VK_EXT_debug_utils itself.
		exts[0] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
		ci.enabledExtensionCount = 1;
		ci.ppEnabledExtensionNames = exts;
		messenger = 1;
		// Chained so that messages from vkCreateInstance/vkDestroyInstance arrive too.
		ci.pNext = &mci;
		if (sync) mci.pNext = &vf;
	} else if (has_instance_extension(gipa, VK_EXT_DEBUG_UTILS_EXTENSION_NAME)) {
		exts[0] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
		ci.enabledExtensionCount = 1;
		ci.ppEnabledExtensionNames = exts;
		messenger = 1;
		ci.pNext = &mci;
	}
	// Extensions the caller needs (a window system's surface extensions).
	for (uint32_t i = 0; i < extra_n; i++) {
		exts[ci.enabledExtensionCount++] = extra[i];
	}
	ci.ppEnabledExtensionNames = exts;

	VkResult r = create(&ci, NULL, &out->instance);
	if (r != VK_SUCCESS) {
		out->instance = VK_NULL_HANDLE;
		return r;
	}
	out->gipa = gipa;
	LOAD(out, destroyInstance, "vkDestroyInstance");
	LOAD(out, enumeratePhysicalDevices, "vkEnumeratePhysicalDevices");
	LOAD(out, getProperties, "vkGetPhysicalDeviceProperties");
	LOAD(out, getProperties2, "vkGetPhysicalDeviceProperties2");
	LOAD(out, getFeatures2, "vkGetPhysicalDeviceFeatures2");
	LOAD(out, getMemoryProperties, "vkGetPhysicalDeviceMemoryProperties");
	LOAD(out, getQueueFamilies, "vkGetPhysicalDeviceQueueFamilyProperties");
	LOAD(out, enumerateDeviceExtensions, "vkEnumerateDeviceExtensionProperties");
	LOAD(out, createDevice, "vkCreateDevice");
	LOAD(out, destroyDevice, "vkDestroyDevice");
	LOAD(out, getDeviceQueue, "vkGetDeviceQueue");
	LOAD(out, createComputePipelines, "vkCreateComputePipelines");
	LOAD(out, queueSubmit, "vkQueueSubmit");
	LOAD(out, cmdPipelineBarrier, "vkCmdPipelineBarrier");
	LOAD(out, cmdCopyBuffer, "vkCmdCopyBuffer");
	LOAD(out, updateDescriptorSets, "vkUpdateDescriptorSets");
	LOAD(out, createShaderModule, "vkCreateShaderModule");
	LOAD(out, createSetLayout, "vkCreateDescriptorSetLayout");
	LOAD(out, createPipelineLayout, "vkCreatePipelineLayout");
	LOAD(out, createDescriptorPool, "vkCreateDescriptorPool");
	LOAD(out, allocateDescriptorSets, "vkAllocateDescriptorSets");
	LOAD(out, createPipelineCache, "vkCreatePipelineCache");
	if (messenger) {
		LOAD(out, createMessenger, "vkCreateDebugUtilsMessengerEXT");
		LOAD(out, destroyMessenger, "vkDestroyDebugUtilsMessengerEXT");
		if (out->createMessenger) {
			mci.pNext = NULL;
			r = out->createMessenger(out->instance, &mci, NULL, &out->messenger);
			if (r != VK_SUCCESS) {
				out->destroyInstance(out->instance, NULL);
				memset(out, 0, sizeof(*out));
				return r;
			}
		}
	}
	return VK_SUCCESS;
}

void mvk_destroy_instance(mvk_instance *in) {
	if (!in->instance) return;
	if (in->messenger) in->destroyMessenger(in->instance, in->messenger, NULL);
	in->destroyInstance(in->instance, NULL);
	memset(in, 0, sizeof(*in));
}

int mvk_physical_devices(mvk_instance *in, VkPhysicalDevice *out, int max) {
	uint32_t n = (uint32_t)max;
	VkResult r = in->enumeratePhysicalDevices(in->instance, &n, out);
	if (r != VK_SUCCESS && r != VK_INCOMPLETE) return (int)r;
	return (int)n;
}

static int has_device_extension(mvk_instance *in, VkPhysicalDevice pd, const char *name) {
	uint32_t n = 0;
	if (in->enumerateDeviceExtensions(pd, NULL, &n, NULL) != VK_SUCCESS || n == 0) return 0;
	VkExtensionProperties *props = calloc(n, sizeof(*props));
	int found = 0;
	if (in->enumerateDeviceExtensions(pd, NULL, &n, props) == VK_SUCCESS) {
		for (uint32_t i = 0; i < n; i++) {
			if (strcmp(props[i].extensionName, name) == 0) found = 1;
		}
	}
	free(props);
	return found;
}

// feature_chain is the set of feature structs mae-vk asks about.
typedef struct feature_chain {
	VkPhysicalDeviceFeatures2 f2;
	VkPhysicalDevice16BitStorageFeatures s16;
	VkPhysicalDevice8BitStorageFeatures s8;
	VkPhysicalDeviceShaderFloat16Int8Features f16i8;
	VkPhysicalDeviceHostQueryResetFeatures hqr;
	VkPhysicalDeviceSubgroupSizeControlFeatures ssc;
	VkPhysicalDeviceVulkanMemoryModelFeatures vmm;
	VkPhysicalDeviceCooperativeMatrixFeaturesKHR cm;
	VkPhysicalDeviceCooperativeMatrixFeaturesNV cmnv;
	mvk_shader_bfloat16_features bf16;
} feature_chain;

// build_feature_chain links the structs the device can understand: 1.2 structs
// only on 1.2 devices, subgroup size control on 1.3 or with its extension,
// cooperative matrices and bfloat16 with theirs.
static void build_feature_chain(feature_chain *c, uint32_t api, int ssc_ext, int cm_ext, int cmnv_ext, int bf16_ext) {
	memset(c, 0, sizeof(*c));
	c->f2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
	c->s16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
	c->s8.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES;
	c->f16i8.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES;
	c->hqr.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_HOST_QUERY_RESET_FEATURES;
	c->ssc.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES;
	c->vmm.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES;
	c->cm.sType = MVK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR;
	c->cmnv.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV;
	c->bf16.sType = MVK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_BFLOAT16_FEATURES_KHR;
	void **next = &c->f2.pNext;
	*next = &c->s16;
	next = &c->s16.pNext;
	if (api >= VK_API_VERSION_1_2) {
		*next = &c->s8;
		next = &c->s8.pNext;
		*next = &c->f16i8;
		next = &c->f16i8.pNext;
		*next = &c->hqr;
		next = &c->hqr.pNext;
		*next = &c->vmm;
		next = &c->vmm.pNext;
	}
	if (api >= VK_API_VERSION_1_3 || ssc_ext) {
		*next = &c->ssc;
		next = &c->ssc.pNext;
	}
	if (cm_ext) {
		*next = &c->cm;
		next = &c->cm.pNext;
	}
	if (cmnv_ext) {
		*next = &c->cmnv;
		next = &c->cmnv.pNext;
	}
	if (bf16_ext) {
		*next = &c->bf16;
		next = &c->bf16.pNext;
	}
}

// query_coopmat fills info's shape list from the KHR entry point, or from
// the NV one on a device with only that extension.
static void query_coopmat(mvk_instance *in, VkPhysicalDevice pd, mvk_device_info *info) {
	info->coopmat_count = 0;
	if (info->cooperative_matrix) {
		PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR get = (PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR)
			in->gipa(in->instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR");
		uint32_t n = MVK_MAX_COOPMAT;
		VkCooperativeMatrixPropertiesKHR props[MVK_MAX_COOPMAT];
		memset(props, 0, sizeof(props));
		for (int i = 0; i < MVK_MAX_COOPMAT; i++) props[i].sType = MVK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR;
		VkResult r = get ? get(pd, &n, props) : VK_ERROR_EXTENSION_NOT_PRESENT;
		if (r != VK_SUCCESS && r != VK_INCOMPLETE) return;
		for (uint32_t i = 0; i < n; i++) {
			VkCooperativeMatrixPropertiesKHR *p = &props[i];
			info->coopmat[i] = (mvk_coopmat_shape){p->MSize, p->NSize, p->KSize, p->AType, p->BType, p->CType,
				p->ResultType, p->saturatingAccumulation, p->scope, 1};
		}
		info->coopmat_count = n;
		return;
	}
	if (info->cooperative_matrix_nv) {
		PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV get = (PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV)
			in->gipa(in->instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV");
		uint32_t n = MVK_MAX_COOPMAT;
		VkCooperativeMatrixPropertiesNV props[MVK_MAX_COOPMAT];
		memset(props, 0, sizeof(props));
		for (int i = 0; i < MVK_MAX_COOPMAT; i++) props[i].sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV;
		VkResult r = get ? get(pd, &n, props) : VK_ERROR_EXTENSION_NOT_PRESENT;
		if (r != VK_SUCCESS && r != VK_INCOMPLETE) return;
		for (uint32_t i = 0; i < n; i++) {
			VkCooperativeMatrixPropertiesNV *p = &props[i];
			info->coopmat[i] = (mvk_coopmat_shape){p->MSize, p->NSize, p->KSize, p->AType, p->BType, p->CType,
				p->DType, 0, p->scope, 0};
		}
		info->coopmat_count = n;
	}
}

void mvk_query_device(mvk_instance *in, VkPhysicalDevice pd, mvk_device_info *info) {
	memset(info, 0, sizeof(*info));
	VkPhysicalDeviceProperties base;
	in->getProperties(pd, &base);
	uint32_t api = base.apiVersion;
	int ssc_ext = has_device_extension(in, pd, VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
	int driver_ext = has_device_extension(in, pd, VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME);

	VkPhysicalDeviceProperties2 p2 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
	VkPhysicalDeviceSubgroupProperties sg = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
	VkPhysicalDeviceDriverProperties drv = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
	VkPhysicalDeviceSubgroupSizeControlProperties sscp = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES};
	void **next = &p2.pNext;
	*next = &sg;
	next = &sg.pNext;
	if (api >= VK_API_VERSION_1_2 || driver_ext) {
		*next = &drv;
		next = &drv.pNext;
	}
	if (api >= VK_API_VERSION_1_3 || ssc_ext) {
		*next = &sscp;
		next = &sscp.pNext;
	}
	in->getProperties2(pd, &p2);
	VkPhysicalDeviceProperties *p = &p2.properties;
	VkPhysicalDeviceLimits *l = &p->limits;

	strncpy(info->name, p->deviceName, sizeof(info->name) - 1);
	strncpy(info->driver_name, drv.driverName, sizeof(info->driver_name) - 1);
	strncpy(info->driver_info, drv.driverInfo, sizeof(info->driver_info) - 1);
	info->device_type = p->deviceType;
	info->vendor_id = p->vendorID;
	info->device_id = p->deviceID;
	info->api_version = p->apiVersion;
	info->driver_version = p->driverVersion;
	info->subgroup_size = sg.subgroupSize;
	info->subgroup_ops = sg.supportedOperations;
	info->subgroup_stages = sg.supportedStages;
	info->subgroup_min = sscp.minSubgroupSize ? sscp.minSubgroupSize : sg.subgroupSize;
	info->subgroup_max = sscp.maxSubgroupSize ? sscp.maxSubgroupSize : sg.subgroupSize;
	info->max_invocations = l->maxComputeWorkGroupInvocations;
	for (int i = 0; i < 3; i++) {
		info->max_size[i] = l->maxComputeWorkGroupSize[i];
		info->max_count[i] = l->maxComputeWorkGroupCount[i];
	}
	info->shared_memory = l->maxComputeSharedMemorySize;
	info->max_push_constants = l->maxPushConstantsSize;
	info->max_storage_buffers = l->maxPerStageDescriptorStorageBuffers;
	info->max_texel_elements = l->maxTexelBufferElements;
	info->max_storage_range = l->maxStorageBufferRange;
	info->storage_align = l->minStorageBufferOffsetAlignment;
	info->texel_align = l->minTexelBufferOffsetAlignment;
	info->timestamp_period = l->timestampPeriod;

	int cm_ext = has_device_extension(in, pd, VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME);
	int cmnv_ext = has_device_extension(in, pd, VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
	int bf16_ext = has_device_extension(in, pd, MVK_KHR_SHADER_BFLOAT16_EXTENSION_NAME);
	feature_chain fc;
	build_feature_chain(&fc, api, ssc_ext, cm_ext, cmnv_ext, bf16_ext);
	in->getFeatures2(pd, &fc.f2);
	info->bfloat16_type = bf16_ext && fc.bf16.shaderBFloat16Type;
	info->bfloat16_coopmat = bf16_ext && fc.bf16.shaderBFloat16CooperativeMatrix;
	info->storage16 = fc.s16.storageBuffer16BitAccess;
	info->storage8 = fc.s8.storageBuffer8BitAccess;
	info->float16 = fc.f16i8.shaderFloat16;
	info->int8 = fc.f16i8.shaderInt8;
	info->host_query_reset = fc.hqr.hostQueryReset;
	info->size_control = fc.ssc.subgroupSizeControl;
	info->full_subgroups = fc.ssc.computeFullSubgroups;
	info->subgroup_size_control_ext = ssc_ext;
	info->required_size_compute = (sscp.requiredSubgroupSizeStages & VK_SHADER_STAGE_COMPUTE_BIT) != 0;
	info->max_workgroup_subgroups = sscp.maxComputeWorkgroupSubgroups;
	info->cooperative_matrix = cm_ext && fc.cm.cooperativeMatrix;
	info->cooperative_matrix_nv = cmnv_ext && fc.cmnv.cooperativeMatrix;
	info->vulkan_memory_model = api >= VK_API_VERSION_1_2 && fc.vmm.vulkanMemoryModel;
	query_coopmat(in, pd, info);

	VkPhysicalDeviceMemoryProperties mp;
	in->getMemoryProperties(pd, &mp);
	info->heap_count = mp.memoryHeapCount;
	for (uint32_t i = 0; i < mp.memoryHeapCount; i++) {
		info->heap_size[i] = mp.memoryHeaps[i].size;
		info->heap_flags[i] = mp.memoryHeaps[i].flags;
	}
	info->type_count = mp.memoryTypeCount;
	for (uint32_t i = 0; i < mp.memoryTypeCount; i++) {
		info->type_flags[i] = mp.memoryTypes[i].propertyFlags;
		info->type_heap[i] = mp.memoryTypes[i].heapIndex;
	}

	uint32_t nq = 0;
	in->getQueueFamilies(pd, &nq, NULL);
	VkQueueFamilyProperties *qf = calloc(nq ? nq : 1, sizeof(*qf));
	in->getQueueFamilies(pd, &nq, qf);
	info->compute_family = UINT32_MAX;
	// Prefer a compute family with timestamps; among those, one without graphics.
	for (int pass = 0; pass < 3 && info->compute_family == UINT32_MAX; pass++) {
		for (uint32_t i = 0; i < nq; i++) {
			VkQueueFlags f = qf[i].queueFlags;
			if (!(f & VK_QUEUE_COMPUTE_BIT)) continue;
			if (pass < 2 && qf[i].timestampValidBits == 0) continue;
			if (pass == 0 && (f & VK_QUEUE_GRAPHICS_BIT)) continue;
			info->compute_family = i;
			info->timestamp_bits = qf[i].timestampValidBits;
			break;
		}
	}
	free(qf);
}

VkResult mvk_create_device(mvk_instance *in, VkPhysicalDevice pd, const mvk_device_info *info,
	int swapchain, VkDevice *device, VkQueue *queue) {
	*device = VK_NULL_HANDLE;
	*queue = VK_NULL_HANDLE;
	if (info->compute_family == UINT32_MAX) return VK_ERROR_FEATURE_NOT_PRESENT;
	float priority = 1.0f;
	VkDeviceQueueCreateInfo qci = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
	qci.queueFamilyIndex = info->compute_family;
	qci.queueCount = 1;
	qci.pQueuePriorities = &priority;

	feature_chain fc;
	// bf16: the type, and its cooperative matrices where the KHR ones are
	// on, for the bf16 cooperative-matrix GEMM (ops).
	int bf16_coopmat = info->bfloat16_coopmat && info->bfloat16_type && info->cooperative_matrix;
	int bf16 = info->bfloat16_type;
	build_feature_chain(&fc, info->api_version, info->subgroup_size_control_ext,
		info->cooperative_matrix, info->cooperative_matrix_nv, bf16);
	// Ask for what is there, nothing more.
	fc.s16.storageBuffer16BitAccess = info->storage16;
	fc.s8.storageBuffer8BitAccess = info->storage8;
	fc.f16i8.shaderFloat16 = info->float16;
	fc.f16i8.shaderInt8 = info->int8;
	fc.hqr.hostQueryReset = info->host_query_reset;
	fc.ssc.subgroupSizeControl = info->size_control;
	fc.ssc.computeFullSubgroups = info->full_subgroups;
	fc.cm.cooperativeMatrix = info->cooperative_matrix;
	fc.vmm.vulkanMemoryModel = info->vulkan_memory_model;
	fc.cmnv.cooperativeMatrix = info->cooperative_matrix_nv;
	fc.bf16.shaderBFloat16Type = bf16;
	fc.bf16.shaderBFloat16CooperativeMatrix = bf16_coopmat;

	const char *exts[5];
	uint32_t next = 0;
	if (swapchain) exts[next++] = VK_KHR_SWAPCHAIN_EXTENSION_NAME;
	if (info->api_version < VK_API_VERSION_1_3 && info->subgroup_size_control_ext) {
		exts[next++] = VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME;
	}
	if (info->cooperative_matrix) exts[next++] = VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME;
	if (info->cooperative_matrix_nv) exts[next++] = VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME;
	if (bf16) exts[next++] = MVK_KHR_SHADER_BFLOAT16_EXTENSION_NAME;
	VkDeviceCreateInfo dci = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
	dci.pNext = &fc.f2;
	dci.queueCreateInfoCount = 1;
	dci.pQueueCreateInfos = &qci;
	dci.enabledExtensionCount = next;
	dci.ppEnabledExtensionNames = exts;
	VkResult r = in->createDevice(pd, &dci, NULL, device);
	if (r != VK_SUCCESS) {
		*device = VK_NULL_HANDLE;
		return r;
	}
	in->getDeviceQueue(*device, info->compute_family, 0, queue);
	return VK_SUCCESS;
}

void mvk_destroy_device(mvk_instance *in, VkDevice device) {
	if (device) in->destroyDevice(device, NULL);
}

VkResult mvk_create_compute_pipeline(mvk_instance *in, VkDevice device, VkPipelineCache cache,
	VkShaderModule module, VkPipelineLayout layout, const uint32_t *spec, uint32_t n,
	uint32_t subgroup_size, VkPipeline *out) {
	VkSpecializationMapEntry entries[32];
	uint32_t data[32];
	if (n > 32) return VK_ERROR_INITIALIZATION_FAILED;
	for (uint32_t i = 0; i < n; i++) {
		entries[i].constantID = i;
		entries[i].offset = 4 * i;
		entries[i].size = 4;
		data[i] = spec[i];
	}
	VkSpecializationInfo si = {n, entries, 4 * (size_t)n, data};
	VkComputePipelineCreateInfo ci = {VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
	ci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
	ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
	ci.stage.module = module;
	ci.stage.pName = "main";
	ci.stage.pSpecializationInfo = n > 0 ? &si : NULL;
	VkPipelineShaderStageRequiredSubgroupSizeCreateInfo rss = {
		VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO};
	if (subgroup_size != 0) {
		rss.requiredSubgroupSize = subgroup_size;
		ci.stage.pNext = &rss;
		ci.stage.flags = VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT;
	}
	ci.layout = layout;
	*out = VK_NULL_HANDLE;
	return in->createComputePipelines(device, cache, 1, &ci, NULL, out);
}

VkResult mvk_queue_submit(mvk_instance *in, VkQueue queue, VkCommandBuffer cmd, VkFence fence) {
	VkSubmitInfo si = {VK_STRUCTURE_TYPE_SUBMIT_INFO};
	si.commandBufferCount = 1;
	si.pCommandBuffers = &cmd;
	return in->queueSubmit(queue, 1, &si, fence);
}

void mvk_cmd_barrier(mvk_instance *in, VkCommandBuffer cmd, uint32_t srcStage, uint32_t dstStage,
	uint32_t srcAccess, uint32_t dstAccess) {
	VkMemoryBarrier mb = {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
	mb.srcAccessMask = srcAccess;
	mb.dstAccessMask = dstAccess;
	in->cmdPipelineBarrier(cmd, srcStage, dstStage, 0, 1, &mb, 0, NULL, 0, NULL);
}

void mvk_cmd_copy(mvk_instance *in, VkCommandBuffer cmd, VkBuffer src, VkBuffer dst,
	uint64_t srcOff, uint64_t dstOff, uint64_t size) {
	VkBufferCopy region = {srcOff, dstOff, size};
	in->cmdCopyBuffer(cmd, src, dst, 1, &region);
}

void mvk_update_set(mvk_instance *in, VkDevice device, VkDescriptorSet set, uint32_t n,
	const uint32_t *types, VkBuffer *buffers, const uint64_t *offsets, const uint64_t *ranges, VkBufferView *views) {
	VkWriteDescriptorSet writes[16];
	VkDescriptorBufferInfo infos[16];
	if (n > 16) return;
	for (uint32_t i = 0; i < n; i++) {
		VkWriteDescriptorSet w = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
		w.dstSet = set;
		w.dstBinding = i;
		w.descriptorCount = 1;
		w.descriptorType = (VkDescriptorType)types[i];
		if (w.descriptorType == VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER) {
			w.pTexelBufferView = &views[i];
		} else {
			infos[i].buffer = buffers[i];
			infos[i].offset = offsets[i];
			infos[i].range = ranges[i];
			w.pBufferInfo = &infos[i];
		}
		writes[i] = w;
	}
	in->updateDescriptorSets(device, n, writes, 0, NULL);
}

VkResult mvk_create_shader_module(mvk_instance *in, VkDevice device, const uint32_t *code, size_t size,
	VkShaderModule *out) {
	VkShaderModuleCreateInfo ci = {VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
	ci.codeSize = size;
	ci.pCode = code;
	*out = VK_NULL_HANDLE;
	return in->createShaderModule(device, &ci, NULL, out);
}

VkResult mvk_create_set_layout(mvk_instance *in, VkDevice device, uint32_t n, const uint32_t *types,
	VkDescriptorSetLayout *out) {
	VkDescriptorSetLayoutBinding bindings[16];
	*out = VK_NULL_HANDLE;
	if (n > 16) return VK_ERROR_INITIALIZATION_FAILED;
	for (uint32_t i = 0; i < n; i++) {
		VkDescriptorSetLayoutBinding b = {0};
		b.binding = i;
		b.descriptorType = (VkDescriptorType)types[i];
		b.descriptorCount = 1;
		b.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
		bindings[i] = b;
	}
	VkDescriptorSetLayoutCreateInfo ci = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
	ci.bindingCount = n;
	ci.pBindings = n > 0 ? bindings : NULL;
	return in->createSetLayout(device, &ci, NULL, out);
}

VkResult mvk_create_pipeline_layout(mvk_instance *in, VkDevice device, VkDescriptorSetLayout set,
	uint32_t push_bytes, VkPipelineLayout *out) {
	VkPushConstantRange range = {VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes};
	VkPipelineLayoutCreateInfo ci = {VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
	ci.setLayoutCount = 1;
	ci.pSetLayouts = &set;
	if (push_bytes > 0) {
		ci.pushConstantRangeCount = 1;
		ci.pPushConstantRanges = &range;
	}
	*out = VK_NULL_HANDLE;
	return in->createPipelineLayout(device, &ci, NULL, out);
}

VkResult mvk_create_descriptor_pool(mvk_instance *in, VkDevice device, uint32_t max_sets,
	uint32_t storage, uint32_t texel, VkDescriptorPool *out) {
	VkDescriptorPoolSize sizes[2] = {
		{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, storage},
		{VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, texel},
	};
	VkDescriptorPoolCreateInfo ci = {VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
	ci.maxSets = max_sets;
	ci.poolSizeCount = 2;
	ci.pPoolSizes = sizes;
	*out = VK_NULL_HANDLE;
	return in->createDescriptorPool(device, &ci, NULL, out);
}

VkResult mvk_allocate_set(mvk_instance *in, VkDevice device, VkDescriptorPool pool,
	VkDescriptorSetLayout layout, VkDescriptorSet *out) {
	VkDescriptorSetAllocateInfo ai = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
	ai.descriptorPool = pool;
	ai.descriptorSetCount = 1;
	ai.pSetLayouts = &layout;
	*out = VK_NULL_HANDLE;
	return in->allocateDescriptorSets(device, &ai, out);
}

VkResult mvk_create_pipeline_cache(mvk_instance *in, VkDevice device, const void *data, size_t size,
	VkPipelineCache *out) {
	VkPipelineCacheCreateInfo ci = {VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
	ci.initialDataSize = size;
	ci.pInitialData = size > 0 ? data : NULL;
	*out = VK_NULL_HANDLE;
	return in->createPipelineCache(device, &ci, NULL, out);
}
