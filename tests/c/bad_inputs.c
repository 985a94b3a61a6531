/* A table of bad inputs per entry point, each with the exact code the spec requires.
 * Rows marked DIRECT_ONLY pass garbage, freed or wrong-kind handles: the ICD loader itself
 * dereferences a handle's dispatch pointer before we can check it, and PoCL does not
 * validate such pointers either, so these run only when linked directly against libwgcl.
 * Rows marked WGCL_ONLY test wgcl's "unsupported feature" answers (PoCL supports images,
 * samplers, native kernels, IL and partitioning, so it answers differently by design). */
#include "common.h"

static int rows = 0;
#define EXPECT(call, want) do { rows++; cl_int got_ = (call); if (got_ != (want)) { failures++; \
    fprintf(stderr, "%s:%d: %s -> %d, expected %s (%d)\n", __FILE__, __LINE__, #call, got_, #want, (int)(want)); } } while (0)
/* For calls that return an object and set errcode_ret; the result must be NULL. */
#define EXPECT_OBJ(expr, want) do { cl_int err_ = 12345; rows++; void *o_ = (void *)(expr); \
    if (err_ != (want) || o_ != NULL) { failures++; \
    fprintf(stderr, "%s:%d: %s -> %d (%p), expected %s (%d)\n", __FILE__, __LINE__, #expr, err_, o_, #want, (int)(want)); } } while (0)
#define ERR (&err_)
/* For entry points that answer with a pointer only (NULL when refused). */
#define EXPECT_NULL(expr) do { rows++; void *p_ = (void *)(expr); if (p_ != NULL) { failures++; \
    fprintf(stderr, "%s:%d: %s -> %p, expected NULL\n", __FILE__, __LINE__, #expr, p_); } } while (0)
/* For entry points without a result: the row passes when the call returns at all. */
#define EXPECT_VOID(call) do { rows++; call; } while (0)
/* Every exported entry point has at least one row here: capi/tests/bad_inputs_coverage.rs
 * fails when one is missing. */

static void CL_CALLBACK nop_event_cb(cl_event e, cl_int s, void *u) { (void)e; (void)s; (void)u; }
#ifdef WGCL_DIRECT
static void CL_CALLBACK nop_mem_cb(cl_mem m, void *u) { (void)m; (void)u; }
#endif

int main(void) {
    env_t e = {0};
    if (!env_init(&e, 0)) return 1;
    cl_int err;
    char buf[256];
    size_t sz;
    cl_platform_id p = e.p;
    cl_device_id d = e.d;
    cl_context ctx = e.ctx;
    cl_command_queue q = e.q;
    cl_mem mem = clCreateBuffer(ctx, CL_MEM_READ_WRITE, 256, NULL, &err);
    CHECK_OK(err);
    cl_event user = clCreateUserEvent(ctx, &err);
    CHECK_OK(err);
    int host[64] = {0};
    cl_ulong max_alloc = 0;
    CHECK_OK(clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc, &max_alloc, NULL));
    cl_uint align_bits = 0;
    CHECK_OK(clGetDeviceInfo(d, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits, &align_bits, NULL));

    /* -- platform / device -- */
    EXPECT(clGetPlatformIDs(0, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clGetPlatformIDs(0, &p, NULL), CL_INVALID_VALUE);
    EXPECT(clGetPlatformInfo(p, 0x7FFF, sizeof buf, buf, NULL), CL_INVALID_VALUE);
    EXPECT(clGetPlatformInfo(p, CL_PLATFORM_NAME, 1, buf, NULL), CL_INVALID_VALUE);
    /* PoCL 3.1 answers CL_DEVICE_NOT_FOUND for undefined type bits; the spec says
     * CL_INVALID_DEVICE_TYPE. */
    if (is_wgcl()) EXPECT(clGetDeviceIDs(p, (cl_device_type)1 << 40, 1, &d, NULL), CL_INVALID_DEVICE_TYPE);
    EXPECT(clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, &d, NULL), CL_INVALID_VALUE);
    EXPECT(clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clGetDeviceIDs(p, CL_DEVICE_TYPE_CUSTOM, 1, &d, NULL), CL_DEVICE_NOT_FOUND);
    EXPECT(clGetDeviceInfo(NULL, CL_DEVICE_NAME, sizeof buf, buf, NULL), CL_INVALID_DEVICE);
    EXPECT(clGetDeviceInfo(d, 0x7FFF, sizeof buf, buf, NULL), CL_INVALID_VALUE);
    EXPECT(clGetDeviceInfo(d, CL_DEVICE_NAME, 1, buf, NULL), CL_INVALID_VALUE);
    EXPECT(clGetDeviceInfo(d, CL_DEVICE_NAME, 0, NULL, &sz), CL_SUCCESS);
    EXPECT(clRetainDevice(NULL), CL_INVALID_DEVICE);
    EXPECT(clReleaseDevice(NULL), CL_INVALID_DEVICE);
    cl_ulong dev_t = 0, host_t = 0;
    EXPECT(clGetDeviceAndHostTimer(NULL, &dev_t, &host_t), CL_INVALID_DEVICE);
    EXPECT(clGetHostTimer(NULL, &host_t), CL_INVALID_DEVICE);
    EXPECT(clUnloadCompiler(), CL_SUCCESS);
    EXPECT_NULL(clGetExtensionFunctionAddress("clNoSuchFunctionKHR"));
    EXPECT_NULL(clGetExtensionFunctionAddressForPlatform(p, "clNoSuchFunctionKHR"));
#ifdef WGCL_DIRECT
    /* DIRECT_ONLY: the loader calls this itself and does not export it. */
    EXPECT(clIcdGetPlatformIDsKHR(0, NULL, NULL), CL_INVALID_VALUE);
    /* DIRECT_ONLY: ocl-icd answers CL_SUCCESS for a NULL platform itself. */
    EXPECT(clUnloadPlatformCompiler(NULL), CL_INVALID_PLATFORM);
#endif

    /* -- context -- */
    cl_context_properties bad_prop[] = {0x7FFF, 1, 0};
    cl_context_properties dup_prop[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)p, CL_CONTEXT_PLATFORM, (cl_context_properties)p, 0};
    cl_context_properties plat_prop[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)p, 0};
    EXPECT_OBJ(clCreateContext(NULL, 1, NULL, NULL, NULL, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clCreateContext(NULL, 0, &d, NULL, NULL, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clCreateContext(NULL, 1, &d, NULL, host, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clCreateContext(bad_prop, 1, &d, NULL, NULL, ERR), CL_INVALID_PROPERTY);
    EXPECT_OBJ(clCreateContext(dup_prop, 1, &d, NULL, NULL, ERR), CL_INVALID_PROPERTY);
    /* PoCL 3.1 sets CL_DEVICE_NOT_FOUND but still returns a (leaked) context object. */
    if (is_wgcl()) EXPECT_OBJ(clCreateContextFromType(plat_prop, CL_DEVICE_TYPE_CUSTOM, NULL, NULL, ERR), CL_DEVICE_NOT_FOUND);
    EXPECT(clGetContextInfo(ctx, 0x7FFF, sizeof buf, buf, NULL), CL_INVALID_VALUE);
    EXPECT(clGetContextInfo(ctx, CL_CONTEXT_DEVICES, 1, buf, NULL), CL_INVALID_VALUE);
    EXPECT(clReleaseContext(NULL), CL_INVALID_CONTEXT);
    EXPECT(clRetainContext(NULL), CL_INVALID_CONTEXT);
    EXPECT(clSetContextDestructorCallback(ctx, NULL, NULL), CL_INVALID_VALUE);

    /* -- queues -- */
    cl_queue_properties bad_bits[] = {CL_QUEUE_PROPERTIES, (cl_queue_properties)1 << 40, 0};
    cl_queue_properties bad_name[] = {0x7FFF, 0, 0};
    EXPECT_OBJ(clCreateCommandQueueWithProperties(ctx, d, bad_bits, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clCreateCommandQueueWithProperties(ctx, d, bad_name, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clCreateCommandQueueWithProperties(NULL, d, NULL, ERR), CL_INVALID_CONTEXT);
    EXPECT_OBJ(clCreateCommandQueueWithProperties(ctx, NULL, NULL, ERR), CL_INVALID_DEVICE);
    EXPECT_OBJ(clCreateCommandQueue(NULL, d, 0, ERR), CL_INVALID_CONTEXT);
    EXPECT(clGetCommandQueueInfo(q, 0x7FFF, sizeof buf, buf, NULL), CL_INVALID_VALUE);
    EXPECT(clFlush(NULL), CL_INVALID_COMMAND_QUEUE);
    EXPECT(clFinish(NULL), CL_INVALID_COMMAND_QUEUE);
    EXPECT(clReleaseCommandQueue(NULL), CL_INVALID_COMMAND_QUEUE);
    EXPECT(clSetDefaultDeviceCommandQueue(NULL, d, q), CL_INVALID_CONTEXT);
    cl_command_queue_properties old_props;
    EXPECT(clSetCommandQueueProperty(NULL, CL_QUEUE_PROFILING_ENABLE, CL_TRUE, &old_props), CL_INVALID_COMMAND_QUEUE);

    /* -- buffers -- */
    EXPECT_OBJ(clCreateBuffer(ctx, CL_MEM_READ_WRITE, 0, NULL, ERR), CL_INVALID_BUFFER_SIZE);
    EXPECT_OBJ(clCreateBuffer(ctx, CL_MEM_READ_WRITE, max_alloc + 1, NULL, ERR), CL_INVALID_BUFFER_SIZE);
    EXPECT_OBJ(clCreateBuffer(ctx, CL_MEM_READ_WRITE, 16, host, ERR), CL_INVALID_HOST_PTR);
    EXPECT_OBJ(clCreateBuffer(ctx, CL_MEM_USE_HOST_PTR, 16, NULL, ERR), CL_INVALID_HOST_PTR);
    EXPECT_OBJ(clCreateBuffer(ctx, CL_MEM_COPY_HOST_PTR, 16, NULL, ERR), CL_INVALID_HOST_PTR);
    EXPECT_OBJ(clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_READ_ONLY, 16, NULL, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clCreateBuffer(ctx, CL_MEM_USE_HOST_PTR | CL_MEM_COPY_HOST_PTR, 16, host, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clCreateBuffer(ctx, (cl_mem_flags)1 << 40, 16, NULL, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clCreateBuffer(NULL, CL_MEM_READ_WRITE, 16, NULL, ERR), CL_INVALID_CONTEXT);
    EXPECT_OBJ(clCreateBufferWithProperties(NULL, NULL, CL_MEM_READ_WRITE, 16, NULL, ERR), CL_INVALID_CONTEXT);
    EXPECT_OBJ(clCreateBufferWithProperties(ctx, NULL, CL_MEM_READ_WRITE, 0, NULL, ERR), CL_INVALID_BUFFER_SIZE);
    EXPECT(clRetainMemObject(NULL), CL_INVALID_MEM_OBJECT);
    /* A buffer is neither an image nor a pipe. */
    /* PoCL 3.1 answers image queries on a buffer. */
    if (is_wgcl()) EXPECT(clGetImageInfo(mem, CL_IMAGE_WIDTH, sizeof sz, &sz, NULL), CL_INVALID_MEM_OBJECT);
    EXPECT(clGetPipeInfo(mem, CL_PIPE_PACKET_SIZE, sizeof buf, buf, NULL), CL_INVALID_MEM_OBJECT);
    {
        cl_image_format fmt = {CL_RGBA, CL_UNORM_INT8};
        cl_image_desc desc = {0};
        desc.image_type = CL_MEM_OBJECT_IMAGE2D;
        desc.image_width = desc.image_height = 4;
        EXPECT_OBJ(clCreateImageWithProperties(NULL, NULL, CL_MEM_READ_WRITE, &fmt, &desc, NULL, ERR), CL_INVALID_CONTEXT);
        EXPECT_OBJ(clCreateImage2D(NULL, CL_MEM_READ_WRITE, &fmt, 4, 4, 0, NULL, ERR), CL_INVALID_CONTEXT);
        EXPECT_OBJ(clCreateImage3D(NULL, CL_MEM_READ_WRITE, &fmt, 4, 4, 4, 0, 0, NULL, ERR), CL_INVALID_CONTEXT);
    }
    EXPECT_OBJ(clCreateSamplerWithProperties(NULL, NULL, ERR), CL_INVALID_CONTEXT);
    EXPECT(clReleaseSampler(NULL), CL_INVALID_SAMPLER);
    EXPECT(clGetSamplerInfo(NULL, CL_SAMPLER_REFERENCE_COUNT, sizeof buf, buf, NULL), CL_INVALID_SAMPLER);
    /* Zero bytes: NULL on every implementation (the spec's "size is 0" rule). */
    EXPECT_NULL(clSVMAlloc(ctx, CL_MEM_READ_WRITE, 0, 0));
    /* "If a NULL pointer is passed in svm_pointer, no action occurs." */
    EXPECT_VOID(clSVMFree(ctx, NULL));
    cl_buffer_region r_ok = {0, 64}, r_out = {200, 100}, r_zero = {0, 0}, r_mis = {1, 16};
    EXPECT_OBJ(clCreateSubBuffer(mem, 0, 0x7FFF, &r_ok, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clCreateSubBuffer(mem, 0, CL_BUFFER_CREATE_TYPE_REGION, NULL, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clCreateSubBuffer(mem, 0, CL_BUFFER_CREATE_TYPE_REGION, &r_out, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clCreateSubBuffer(mem, 0, CL_BUFFER_CREATE_TYPE_REGION, &r_zero, ERR), CL_INVALID_BUFFER_SIZE);
    if (align_bits > 8)
        EXPECT_OBJ(clCreateSubBuffer(mem, 0, CL_BUFFER_CREATE_TYPE_REGION, &r_mis, ERR), CL_MISALIGNED_SUB_BUFFER_OFFSET);
    cl_mem sub = clCreateSubBuffer(mem, 0, CL_BUFFER_CREATE_TYPE_REGION, &r_ok, &err);
    CHECK_OK(err);
    EXPECT_OBJ(clCreateSubBuffer(sub, 0, CL_BUFFER_CREATE_TYPE_REGION, &r_ok, ERR), CL_INVALID_MEM_OBJECT);
    EXPECT_OBJ(clCreateSubBuffer(NULL, 0, CL_BUFFER_CREATE_TYPE_REGION, &r_ok, ERR), CL_INVALID_MEM_OBJECT);
    EXPECT(clGetMemObjectInfo(mem, 0x7FFF, sizeof buf, buf, NULL), CL_INVALID_VALUE);
    EXPECT(clGetMemObjectInfo(mem, CL_MEM_SIZE, 1, buf, NULL), CL_INVALID_VALUE);
    EXPECT(clGetMemObjectInfo(NULL, CL_MEM_SIZE, sizeof buf, buf, NULL), CL_INVALID_MEM_OBJECT);
    EXPECT(clSetMemObjectDestructorCallback(mem, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clReleaseMemObject(NULL), CL_INVALID_MEM_OBJECT);

    /* -- enqueue -- */
    EXPECT(clEnqueueReadBuffer(q, mem, CL_TRUE, 0, 16, NULL, 0, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clEnqueueReadBuffer(q, mem, CL_TRUE, 200, 100, host, 0, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clEnqueueReadBuffer(q, mem, CL_TRUE, 0, 16, host, 1, NULL, NULL), CL_INVALID_EVENT_WAIT_LIST);
    EXPECT(clEnqueueReadBuffer(q, mem, CL_TRUE, 0, 16, host, 0, &user, NULL), CL_INVALID_EVENT_WAIT_LIST);
    EXPECT(clEnqueueReadBuffer(q, NULL, CL_TRUE, 0, 16, host, 0, NULL, NULL), CL_INVALID_MEM_OBJECT);
    EXPECT(clEnqueueReadBuffer(NULL, mem, CL_TRUE, 0, 16, host, 0, NULL, NULL), CL_INVALID_COMMAND_QUEUE);
    {
        size_t origin[3] = {0, 0, 0}, region[3] = {4, 1, 1};
        EXPECT(clEnqueueWriteBufferRect(q, mem, CL_TRUE, origin, origin, region, 2, 0, 0, 0, host, 0, NULL, NULL),
               CL_INVALID_VALUE);
        EXPECT(clEnqueueCopyBufferRect(q, mem, mem, origin, origin, region, 2, 0, 0, 0, 0, NULL, NULL),
               CL_INVALID_VALUE);
        /* PoCL 3.1 dereferences a NULL source buffer here (segfault). */
        if (is_wgcl())
            EXPECT(clEnqueueCopyBufferRect(q, NULL, mem, origin, origin, region, 0, 0, 0, 0, 0, NULL, NULL),
                   CL_INVALID_MEM_OBJECT);
        /* Found by fuzzing: a huge region must be refused before anything is done per row
         * (wgcl listed 2^40 rows first), and a pitch product that overflows must not panic. */
        size_t huge_region[3] = {1, (size_t)1 << 20, (size_t)1 << 20};
        EXPECT(clEnqueueCopyBufferRect(q, mem, mem, origin, origin, huge_region, 1, 0, 1, 0, 0, NULL, NULL),
               CL_INVALID_VALUE);
        size_t tall[3] = {1, (size_t)1 << 33, 1};
        EXPECT(clEnqueueWriteBufferRect(q, mem, CL_TRUE, origin, origin, tall, (size_t)1 << 33, 4, 0, 0, host, 0, NULL, NULL),
               CL_INVALID_VALUE);
        /* Images on a NULL queue (both implementations answer for the queue first). */
        float color[4] = {0};
        cl_int map_err = 0;
        size_t pitch;
        EXPECT(clEnqueueReadImage(NULL, mem, CL_TRUE, origin, region, 0, 0, host, 0, NULL, NULL), CL_INVALID_COMMAND_QUEUE);
        EXPECT(clEnqueueWriteImage(NULL, mem, CL_TRUE, origin, region, 0, 0, host, 0, NULL, NULL), CL_INVALID_COMMAND_QUEUE);
        EXPECT(clEnqueueFillImage(NULL, mem, color, origin, region, 0, NULL, NULL), CL_INVALID_COMMAND_QUEUE);
        EXPECT(clEnqueueCopyImage(NULL, mem, mem, origin, origin, region, 0, NULL, NULL), CL_INVALID_COMMAND_QUEUE);
        EXPECT(clEnqueueCopyImageToBuffer(NULL, mem, mem, origin, region, 0, 0, NULL, NULL), CL_INVALID_COMMAND_QUEUE);
        EXPECT(clEnqueueCopyBufferToImage(NULL, mem, mem, 0, origin, region, 0, NULL, NULL), CL_INVALID_COMMAND_QUEUE);
        EXPECT(clEnqueueMapImage(NULL, mem, CL_TRUE, CL_MAP_READ, origin, region, &pitch, NULL, 0, NULL, NULL, &map_err) == NULL
                   ? map_err : CL_SUCCESS,
               CL_INVALID_COMMAND_QUEUE);
        /* SVM on a NULL queue. */
        void *svm[1] = {host};
        EXPECT(clEnqueueSVMFree(NULL, 1, svm, NULL, NULL, 0, NULL, NULL), CL_INVALID_COMMAND_QUEUE);
        EXPECT(clEnqueueSVMMemcpy(NULL, CL_TRUE, host, host + 8, 16, 0, NULL, NULL), CL_INVALID_COMMAND_QUEUE);
        EXPECT(clEnqueueSVMMemFill(NULL, host, &color[0], 4, 16, 0, NULL, NULL), CL_INVALID_COMMAND_QUEUE);
        EXPECT(clEnqueueSVMMap(NULL, CL_TRUE, CL_MAP_READ, host, 16, 0, NULL, NULL), CL_INVALID_COMMAND_QUEUE);
        EXPECT(clEnqueueSVMUnmap(NULL, host, 0, NULL, NULL), CL_INVALID_COMMAND_QUEUE);
        const void *svm_c[1] = {host};
        size_t svm_sizes[1] = {16};
        EXPECT(clEnqueueSVMMigrateMem(NULL, 1, svm_c, svm_sizes, 0, 0, NULL, NULL), CL_INVALID_COMMAND_QUEUE);
    }
    EXPECT(clEnqueueMigrateMemObjects(q, 0, NULL, 0, 0, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clEnqueueWriteBuffer(q, mem, CL_TRUE, 0, 16, NULL, 0, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clEnqueueWriteBuffer(q, mem, CL_TRUE, 250, 16, host, 0, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clEnqueueCopyBuffer(q, mem, mem, 0, 8, 64, 0, NULL, NULL), CL_MEM_COPY_OVERLAP);
    EXPECT(clEnqueueCopyBuffer(q, mem, mem, 0, 200, 100, 0, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clEnqueueCopyBuffer(q, mem, NULL, 0, 0, 16, 0, NULL, NULL), CL_INVALID_MEM_OBJECT);
    int pat = 7;
    EXPECT(clEnqueueFillBuffer(q, mem, NULL, 4, 0, 16, 0, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clEnqueueFillBuffer(q, mem, &pat, 3, 0, 12, 0, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clEnqueueFillBuffer(q, mem, &pat, 4, 2, 16, 0, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clEnqueueFillBuffer(q, mem, &pat, 4, 0, 18, 0, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clEnqueueFillBuffer(q, mem, &pat, 4, 256, 16, 0, NULL, NULL), CL_INVALID_VALUE);
    /* Found by fuzzing: an absurd pattern size must be refused before the pattern is read. */
    EXPECT(clEnqueueFillBuffer(q, mem, &pat, SIZE_MAX, 0, 16, 0, NULL, NULL), CL_INVALID_VALUE);
    /* PoCL 3.1 does not check map_flags for undefined bits (and maps). */
    if (is_wgcl()) EXPECT_OBJ(clEnqueueMapBuffer(q, mem, CL_TRUE, (cl_map_flags)1 << 20, 0, 16, 0, NULL, NULL, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clEnqueueMapBuffer(q, mem, CL_TRUE, CL_MAP_READ, 200, 100, 0, NULL, NULL, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clEnqueueMapBuffer(q, mem, CL_TRUE, CL_MAP_READ, 0, 0, 0, NULL, NULL, ERR), CL_INVALID_VALUE);
    EXPECT(clEnqueueUnmapMemObject(q, mem, host, 0, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clEnqueueMarker(q, NULL), CL_INVALID_VALUE);
    /* PoCL 3.1 aborts in clEnqueueWaitForEvents ("unimplemented"). */
    if (is_wgcl()) EXPECT(clEnqueueWaitForEvents(q, 0, NULL), CL_INVALID_VALUE);
    EXPECT(clEnqueueMarkerWithWaitList(q, 1, NULL, NULL), CL_INVALID_EVENT_WAIT_LIST);
    EXPECT(clEnqueueBarrierWithWaitList(q, 0, &user, NULL), CL_INVALID_EVENT_WAIT_LIST);
    EXPECT(clEnqueueBarrier(NULL), CL_INVALID_COMMAND_QUEUE);
    size_t gws = 16;
    /* PoCL 3.1 dereferences a NULL kernel here (segfault). */
    if (is_wgcl()) EXPECT(clEnqueueNDRangeKernel(q, NULL, 1, NULL, &gws, NULL, 0, NULL, NULL), CL_INVALID_KERNEL);

    /* -- events -- */
    EXPECT(clWaitForEvents(0, NULL), CL_INVALID_VALUE);
    EXPECT(clWaitForEvents(1, NULL), CL_INVALID_VALUE);
    EXPECT_OBJ(clCreateUserEvent(NULL, ERR), CL_INVALID_CONTEXT);
    EXPECT(clSetUserEventStatus(user, 5), CL_INVALID_VALUE);
    EXPECT(clSetEventCallback(user, CL_QUEUED, nop_event_cb, NULL), CL_INVALID_VALUE);
    EXPECT(clSetEventCallback(user, CL_COMPLETE, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clSetEventCallback(NULL, CL_COMPLETE, nop_event_cb, NULL), CL_INVALID_EVENT);
    cl_ulong t;
    EXPECT(clGetEventProfilingInfo(user, CL_PROFILING_COMMAND_START, sizeof t, &t, NULL), CL_PROFILING_INFO_NOT_AVAILABLE);
    EXPECT(clGetEventInfo(user, 0x7FFF, sizeof buf, buf, NULL), CL_INVALID_VALUE);
    EXPECT(clGetEventInfo(NULL, CL_EVENT_CONTEXT, sizeof buf, buf, NULL), CL_INVALID_EVENT);
    cl_event done = NULL;
    CHECK_OK(clEnqueueMarkerWithWaitList(q, 0, NULL, &done));
    CHECK_OK(clFinish(q));
    /* The queue has no CL_QUEUE_PROFILING_ENABLE. */
    EXPECT(clGetEventProfilingInfo(done, CL_PROFILING_COMMAND_END, sizeof t, &t, NULL), CL_PROFILING_INFO_NOT_AVAILABLE);
    EXPECT(clSetUserEventStatus(done, CL_COMPLETE), CL_INVALID_EVENT);
    CHECK_OK(clSetUserEventStatus(user, CL_COMPLETE));
    EXPECT(clSetUserEventStatus(user, CL_COMPLETE), CL_INVALID_OPERATION);
    CHECK_OK(clReleaseEvent(done));
    EXPECT(clReleaseEvent(NULL), CL_INVALID_EVENT);

    /* -- programs and kernels -- */
    const char *src = kernel_source();
    const char *null_src[1] = {NULL};
    EXPECT_OBJ(clCreateProgramWithSource(ctx, 0, &src, NULL, ERR), CL_INVALID_VALUE);
    /* PoCL 3.1 dereferences a NULL strings array (segfault). */
    if (is_wgcl()) EXPECT_OBJ(clCreateProgramWithSource(ctx, 1, NULL, NULL, ERR), CL_INVALID_VALUE);
    /* PoCL 3.1 dereferences a NULL strings[i] (segfault). */
    if (is_wgcl()) EXPECT_OBJ(clCreateProgramWithSource(ctx, 1, null_src, NULL, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clCreateProgramWithSource(NULL, 1, &src, NULL, ERR), CL_INVALID_CONTEXT);
    size_t zero = 0;
    const unsigned char *bin = (const unsigned char *)"x";
    EXPECT_OBJ(clCreateProgramWithBinary(ctx, 1, &d, &zero, &bin, NULL, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clCreateProgramWithBinary(ctx, 0, &d, &zero, &bin, NULL, ERR), CL_INVALID_VALUE);
    cl_program prog = clCreateProgramWithSource(ctx, 1, &src, NULL, &err);
    CHECK_OK(err);
    EXPECT_OBJ(clCreateKernel(prog, "saxpy", ERR), CL_INVALID_PROGRAM_EXECUTABLE);
    EXPECT(clGetProgramInfo(prog, CL_PROGRAM_NUM_KERNELS, sizeof sz, &sz, NULL), CL_INVALID_PROGRAM_EXECUTABLE);
    EXPECT(clGetProgramInfo(prog, 0x7FFF, sizeof buf, buf, NULL), CL_INVALID_VALUE);
    EXPECT(clGetProgramBuildInfo(prog, NULL, CL_PROGRAM_BUILD_STATUS, sizeof buf, buf, NULL), CL_INVALID_DEVICE);
    EXPECT(clBuildProgram(prog, 0, &d, NULL, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clBuildProgram(prog, 1, NULL, NULL, NULL, NULL), CL_INVALID_VALUE);
    EXPECT(clBuildProgram(prog, 0, NULL, NULL, NULL, host), CL_INVALID_VALUE);
    EXPECT(clBuildProgram(NULL, 0, NULL, NULL, NULL, NULL), CL_INVALID_PROGRAM);
    EXPECT(clSetProgramReleaseCallback(NULL, NULL, NULL), CL_INVALID_PROGRAM);
    EXPECT(clRetainProgram(NULL), CL_INVALID_PROGRAM);
    EXPECT(clReleaseProgram(NULL), CL_INVALID_PROGRAM);
    EXPECT(clCompileProgram(NULL, 0, NULL, NULL, 0, NULL, NULL, NULL, NULL), CL_INVALID_PROGRAM);
    EXPECT_OBJ(clLinkProgram(ctx, 0, NULL, NULL, 0, NULL, NULL, NULL, ERR), CL_INVALID_VALUE);
    if (is_wgcl()) { /* options that are not text (found by the C-API fuzzer) */
        EXPECT(clCompileProgram(prog, 0, NULL, "-D\xff", 0, NULL, NULL, NULL, NULL), CL_INVALID_COMPILER_OPTIONS);
        EXPECT_OBJ(clLinkProgram(ctx, 0, NULL, "\xff", 1, &prog, NULL, NULL, ERR), CL_INVALID_LINKER_OPTIONS);
    }
    cl_uint spec_val = 1;
    EXPECT(clSetProgramSpecializationConstant(NULL, 0, sizeof spec_val, &spec_val), CL_INVALID_PROGRAM);
    EXPECT_OBJ(clCreateProgramWithBuiltInKernels(ctx, 1, &d, "wgcl_no_such_builtin", ERR), CL_INVALID_VALUE);
    CHECK_OK(clBuildProgram(prog, 1, &d, NULL, NULL, NULL));
    EXPECT_OBJ(clCreateKernel(prog, "no_such_kernel", ERR), CL_INVALID_KERNEL_NAME);
    EXPECT_OBJ(clCreateKernel(prog, NULL, ERR), CL_INVALID_VALUE);
    EXPECT_OBJ(clCreateKernel(NULL, "saxpy", ERR), CL_INVALID_PROGRAM);
    cl_kernel kernels1[1];
    EXPECT(clCreateKernelsInProgram(prog, 1, kernels1, NULL), CL_INVALID_VALUE);
    const char *broken = is_wgcl() ? "@compute @workgroup_size(1) fn k() { let x = ; }"
                                   : "__kernel void k(void) { int x = ; }";
    cl_program bad = clCreateProgramWithSource(ctx, 1, &broken, NULL, &err);
    CHECK_OK(err);
    EXPECT(clBuildProgram(bad, 1, &d, NULL, NULL, NULL), CL_BUILD_PROGRAM_FAILURE);
    cl_build_status bs = 0;
    CHECK_OK(clGetProgramBuildInfo(bad, d, CL_PROGRAM_BUILD_STATUS, sizeof bs, &bs, NULL));
    CHECK_EQ(bs, CL_BUILD_ERROR);
    size_t log_size = 0;
    CHECK_OK(clGetProgramBuildInfo(bad, d, CL_PROGRAM_BUILD_LOG, 0, NULL, &log_size));
    CHECK(log_size > 1);
    CHECK_OK(clReleaseProgram(bad));

    cl_kernel k = clCreateKernel(prog, "saxpy", &err);
    CHECK_OK(err);
    float f = 1.0f;
    EXPECT(clSetKernelArg(k, 99, sizeof f, &f), CL_INVALID_ARG_INDEX);
    EXPECT(clSetKernelArg(k, 0, 3, &mem), CL_INVALID_ARG_SIZE);
    EXPECT(clSetKernelArg(k, 2, sizeof f, NULL), CL_INVALID_ARG_VALUE);
    EXPECT(clSetKernelArg(k, 2, 2, &f), CL_INVALID_ARG_SIZE);
    /* Found by fuzzing: an absurd size must be refused before the value is read. */
    EXPECT(clSetKernelArg(k, 2, SIZE_MAX, &f), CL_INVALID_ARG_SIZE);
    EXPECT(clSetKernelArg(NULL, 0, sizeof mem, &mem), CL_INVALID_KERNEL);
    EXPECT(clGetKernelInfo(k, 0x7FFF, sizeof buf, buf, NULL), CL_INVALID_VALUE);
    EXPECT(clGetKernelArgInfo(k, 99, CL_KERNEL_ARG_NAME, sizeof buf, buf, NULL), CL_INVALID_ARG_INDEX);
    EXPECT(clGetKernelWorkGroupInfo(k, d, 0x7FFF, sizeof buf, buf, NULL), CL_INVALID_VALUE);
    /* No argument set yet. */
    EXPECT(clEnqueueNDRangeKernel(q, k, 1, NULL, &gws, NULL, 0, NULL, NULL), CL_INVALID_KERNEL_ARGS);
    CHECK_OK(clSetKernelArg(k, 0, sizeof mem, &mem));
    CHECK_OK(clSetKernelArg(k, 1, sizeof mem, &mem));
    CHECK_OK(clSetKernelArg(k, 2, sizeof f, &f));
    cl_uint n = 16;
    CHECK_OK(clSetKernelArg(k, 3, sizeof n, &n));
    EXPECT(clEnqueueNDRangeKernel(q, k, 0, NULL, &gws, NULL, 0, NULL, NULL), CL_INVALID_WORK_DIMENSION);
    EXPECT(clEnqueueNDRangeKernel(q, k, 4, NULL, &gws, NULL, 0, NULL, NULL), CL_INVALID_WORK_DIMENSION);
    EXPECT(clReleaseKernel(NULL), CL_INVALID_KERNEL);
    EXPECT(clRetainKernel(NULL), CL_INVALID_KERNEL);
    EXPECT_OBJ(clCloneKernel(NULL, ERR), CL_INVALID_KERNEL);
    EXPECT(clSetKernelExecInfo(NULL, CL_KERNEL_EXEC_INFO_SVM_PTRS, sizeof(void *), &host), CL_INVALID_KERNEL);
    EXPECT(clGetKernelSubGroupInfo(NULL, d, CL_KERNEL_MAX_SUB_GROUP_SIZE_FOR_NDRANGE, sizeof gws, &gws, sizeof sz, &sz, NULL),
           CL_INVALID_KERNEL);
    EXPECT(clEnqueueTask(NULL, k, 0, NULL, NULL), CL_INVALID_COMMAND_QUEUE);
    EXPECT(clRetainSampler(NULL), CL_INVALID_SAMPLER);

    if (is_wgcl()) {
        /* WGCL_ONLY: features wgcl's devices do not have. */
        cl_image_format fmt = {CL_RGBA, CL_UNORM_INT8};
        cl_image_desc desc = {0};
        desc.image_type = CL_MEM_OBJECT_IMAGE2D;
        desc.image_width = desc.image_height = 4;
        EXPECT_OBJ(clCreateImage(ctx, CL_MEM_READ_WRITE, &fmt, &desc, NULL, ERR), CL_INVALID_OPERATION);
        EXPECT_OBJ(clCreateSampler(ctx, CL_FALSE, CL_ADDRESS_NONE, CL_FILTER_NEAREST, ERR), CL_INVALID_OPERATION);
        EXPECT_OBJ(clCreatePipe(ctx, 0, 4, 4, NULL, ERR), CL_INVALID_OPERATION);
        EXPECT_OBJ(clCreateProgramWithIL(ctx, "x", 1, ERR), CL_INVALID_OPERATION);
        CHECK(clSVMAlloc(ctx, CL_MEM_READ_WRITE, 64, 0) == NULL);
        EXPECT(clEnqueueNativeKernel(q, NULL, NULL, 0, 0, NULL, NULL, 0, NULL, NULL), CL_INVALID_OPERATION);
        cl_device_partition_property part[] = {CL_DEVICE_PARTITION_EQUALLY, 1, 0};
        cl_device_id subs[4];
        cl_uint nsub;
        EXPECT(clCreateSubDevices(d, part, 4, subs, &nsub), CL_INVALID_VALUE);
        cl_uint nfmt = 99;
        EXPECT(clGetSupportedImageFormats(ctx, CL_MEM_READ_WRITE, CL_MEM_OBJECT_IMAGE2D, 0, NULL, &nfmt), CL_SUCCESS);
        CHECK_EQ(nfmt, 0);
        EXPECT(clSetKernelArgSVMPointer(k, 0, host), CL_INVALID_OPERATION);
    }

    {
        /* Rectangular transfers: bad geometry (both implementations). */
        size_t origin[3] = {0, 0, 0}, region[3] = {4, 1, 1};
        EXPECT(clEnqueueReadBufferRect(q, mem, CL_TRUE, origin, origin, region, 2, 0, 0, 0, host, 0, NULL, NULL),
               CL_INVALID_VALUE);
        EXPECT(clEnqueueReadBufferRect(q, mem, CL_TRUE, origin, origin, NULL, 0, 0, 0, 0, host, 0, NULL, NULL),
               CL_INVALID_VALUE);
        cl_int cerr = -1;
        cl_kernel clone = clCloneKernel(k, &cerr);
        CHECK(cerr == CL_SUCCESS && clone != NULL);
        if (clone) clReleaseKernel(clone);
    }

#ifdef WGCL_DIRECT
    if (is_wgcl()) {
        /* DIRECT_ONLY: garbage, wrong-kind and freed handles. */
        uint64_t junk[16];
        for (int i = 0; i < 16; i++) junk[i] = 0xdeadbeefdeadbeefull;
        EXPECT(clGetContextInfo((cl_context)junk, CL_CONTEXT_NUM_DEVICES, sizeof buf, buf, NULL), CL_INVALID_CONTEXT);
        EXPECT(clRetainCommandQueue((cl_command_queue)junk), CL_INVALID_COMMAND_QUEUE);
        EXPECT(clReleaseMemObject((cl_mem)junk), CL_INVALID_MEM_OBJECT);
        EXPECT(clGetDeviceInfo((cl_device_id)junk, CL_DEVICE_NAME, sizeof buf, buf, NULL), CL_INVALID_DEVICE);
        EXPECT(clGetPlatformInfo((cl_platform_id)junk, CL_PLATFORM_NAME, sizeof buf, buf, NULL), CL_INVALID_PLATFORM);
        EXPECT(clGetContextInfo((cl_context)q, CL_CONTEXT_NUM_DEVICES, sizeof buf, buf, NULL), CL_INVALID_CONTEXT);
        EXPECT(clFlush((cl_command_queue)ctx), CL_INVALID_COMMAND_QUEUE);
        EXPECT(clRetainEvent((cl_event)mem), CL_INVALID_EVENT);
        EXPECT(clReleaseKernel((cl_kernel)prog), CL_INVALID_KERNEL);
        EXPECT(clSetKernelArg(k, 0, sizeof(cl_mem), &q), CL_INVALID_MEM_OBJECT);
        cl_event wl[1] = {(cl_event)ctx};
        EXPECT(clWaitForEvents(1, wl), CL_INVALID_EVENT);
        EXPECT(clEnqueueMarkerWithWaitList(q, 1, wl, NULL), CL_INVALID_EVENT_WAIT_LIST);
        cl_mem gone = clCreateBuffer(ctx, CL_MEM_READ_WRITE, 16, NULL, &err);
        CHECK_OK(clReleaseMemObject(gone));
        EXPECT(clGetMemObjectInfo(gone, CL_MEM_SIZE, sizeof buf, buf, NULL), CL_INVALID_MEM_OBJECT);
        EXPECT(clReleaseMemObject(gone), CL_INVALID_MEM_OBJECT);
        cl_event gone_ev = clCreateUserEvent(ctx, &err);
        CHECK_OK(clReleaseEvent(gone_ev));
        EXPECT(clSetEventCallback(gone_ev, CL_COMPLETE, nop_event_cb, NULL), CL_INVALID_EVENT);
        EXPECT(clSetMemObjectDestructorCallback((cl_mem)junk, nop_mem_cb, NULL), CL_INVALID_MEM_OBJECT);
    }
#endif

    /* Stale handles (used after their last release) stay invalid through the ICD loader
     * too: the memory they point at keeps the dispatch pointer the loader reads, and it is
     * not handed to a newer object (which a stale release would then destroy). */
    if (is_wgcl()) {
        cl_event stale = clCreateUserEvent(ctx, &err);
        CHECK_OK(err);
        CHECK_OK(clReleaseEvent(stale));
        cl_mem stale_mem = clCreateBuffer(ctx, CL_MEM_READ_WRITE, 16, NULL, &err);
        CHECK_OK(err);
        CHECK_OK(clReleaseMemObject(stale_mem));
        cl_event fresh[64];
        for (int i = 0; i < 64; i++) {
            fresh[i] = clCreateUserEvent(ctx, &err);
            CHECK_OK(err);
            CHECK((void *)fresh[i] != (void *)stale && (void *)fresh[i] != (void *)stale_mem);
        }
        EXPECT(clReleaseEvent(stale), CL_INVALID_EVENT);
        EXPECT(clRetainEvent(stale), CL_INVALID_EVENT);
        EXPECT(clGetEventInfo(stale, CL_EVENT_REFERENCE_COUNT, sizeof buf, buf, NULL), CL_INVALID_EVENT);
        EXPECT(clGetMemObjectInfo(stale_mem, CL_MEM_SIZE, sizeof buf, buf, NULL), CL_INVALID_MEM_OBJECT);
        EXPECT(clReleaseMemObject(stale_mem), CL_INVALID_MEM_OBJECT);
        for (int i = 0; i < 64; i++) {
            cl_uint refs = 0;
            CHECK_OK(clGetEventInfo(fresh[i], CL_EVENT_REFERENCE_COUNT, sizeof refs, &refs, NULL));
            CHECK(refs == 1);
            CHECK_OK(clReleaseEvent(fresh[i]));
        }
    }

    CHECK_OK(clReleaseKernel(k));
    CHECK_OK(clReleaseProgram(prog));
    CHECK_OK(clReleaseMemObject(sub));
    CHECK_OK(clReleaseMemObject(mem));
    CHECK_OK(clReleaseEvent(user));
    env_release(&e);
    printf("bad_inputs: %d rows\n", rows);
    return finish("bad_inputs");
}
