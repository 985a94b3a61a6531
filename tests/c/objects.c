/* Object queries and buffer commands: handle round trips through info queries, reference
 * counts, the param_value_size rules, every 3.0 device query, and read/write/copy/fill/
 * map/unmap on buffers, sub-buffers and USE_HOST_PTR buffers. */
#include "common.h"

static const cl_device_info DEVICE_QUERIES[] = {
    CL_DEVICE_TYPE, CL_DEVICE_VENDOR_ID, CL_DEVICE_MAX_COMPUTE_UNITS, CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS,
    CL_DEVICE_MAX_WORK_GROUP_SIZE, CL_DEVICE_MAX_WORK_ITEM_SIZES, CL_DEVICE_PREFERRED_VECTOR_WIDTH_CHAR,
    CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT, CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE, CL_DEVICE_PREFERRED_VECTOR_WIDTH_HALF,
    CL_DEVICE_NATIVE_VECTOR_WIDTH_INT, CL_DEVICE_MAX_CLOCK_FREQUENCY, CL_DEVICE_ADDRESS_BITS,
    CL_DEVICE_MAX_MEM_ALLOC_SIZE, CL_DEVICE_IMAGE_SUPPORT, CL_DEVICE_MAX_READ_IMAGE_ARGS, CL_DEVICE_MAX_WRITE_IMAGE_ARGS,
    CL_DEVICE_MAX_READ_WRITE_IMAGE_ARGS, CL_DEVICE_IMAGE2D_MAX_WIDTH, CL_DEVICE_IMAGE3D_MAX_DEPTH,
    CL_DEVICE_IMAGE_MAX_BUFFER_SIZE, CL_DEVICE_IMAGE_MAX_ARRAY_SIZE, CL_DEVICE_MAX_SAMPLERS,
    CL_DEVICE_IMAGE_PITCH_ALIGNMENT, CL_DEVICE_IMAGE_BASE_ADDRESS_ALIGNMENT, CL_DEVICE_MAX_PIPE_ARGS,
    CL_DEVICE_PIPE_MAX_ACTIVE_RESERVATIONS, CL_DEVICE_PIPE_MAX_PACKET_SIZE, CL_DEVICE_MAX_PARAMETER_SIZE,
    CL_DEVICE_MEM_BASE_ADDR_ALIGN, CL_DEVICE_SINGLE_FP_CONFIG, CL_DEVICE_DOUBLE_FP_CONFIG,
    CL_DEVICE_GLOBAL_MEM_CACHE_TYPE, CL_DEVICE_GLOBAL_MEM_CACHELINE_SIZE, CL_DEVICE_GLOBAL_MEM_CACHE_SIZE,
    CL_DEVICE_GLOBAL_MEM_SIZE, CL_DEVICE_MAX_CONSTANT_BUFFER_SIZE, CL_DEVICE_MAX_CONSTANT_ARGS,
    CL_DEVICE_MAX_GLOBAL_VARIABLE_SIZE, CL_DEVICE_GLOBAL_VARIABLE_PREFERRED_TOTAL_SIZE, CL_DEVICE_LOCAL_MEM_TYPE,
    CL_DEVICE_LOCAL_MEM_SIZE, CL_DEVICE_ERROR_CORRECTION_SUPPORT, CL_DEVICE_PROFILING_TIMER_RESOLUTION,
    CL_DEVICE_ENDIAN_LITTLE, CL_DEVICE_AVAILABLE, CL_DEVICE_COMPILER_AVAILABLE, CL_DEVICE_LINKER_AVAILABLE,
    CL_DEVICE_EXECUTION_CAPABILITIES, CL_DEVICE_QUEUE_ON_HOST_PROPERTIES, CL_DEVICE_QUEUE_ON_DEVICE_PROPERTIES,
    CL_DEVICE_QUEUE_ON_DEVICE_PREFERRED_SIZE, CL_DEVICE_QUEUE_ON_DEVICE_MAX_SIZE, CL_DEVICE_MAX_ON_DEVICE_QUEUES,
    CL_DEVICE_MAX_ON_DEVICE_EVENTS, CL_DEVICE_BUILT_IN_KERNELS, CL_DEVICE_PLATFORM, CL_DEVICE_NAME,
    CL_DEVICE_VENDOR, CL_DRIVER_VERSION, CL_DEVICE_PROFILE, CL_DEVICE_VERSION, CL_DEVICE_OPENCL_C_VERSION,
    CL_DEVICE_EXTENSIONS, CL_DEVICE_PRINTF_BUFFER_SIZE, CL_DEVICE_PREFERRED_INTEROP_USER_SYNC,
    CL_DEVICE_PARENT_DEVICE, CL_DEVICE_PARTITION_MAX_SUB_DEVICES, CL_DEVICE_PARTITION_PROPERTIES,
    CL_DEVICE_PARTITION_AFFINITY_DOMAIN, CL_DEVICE_PARTITION_TYPE, CL_DEVICE_REFERENCE_COUNT,
    CL_DEVICE_SVM_CAPABILITIES, CL_DEVICE_PREFERRED_PLATFORM_ATOMIC_ALIGNMENT,
    CL_DEVICE_PREFERRED_GLOBAL_ATOMIC_ALIGNMENT, CL_DEVICE_PREFERRED_LOCAL_ATOMIC_ALIGNMENT, CL_DEVICE_IL_VERSION,
    CL_DEVICE_MAX_NUM_SUB_GROUPS, CL_DEVICE_SUB_GROUP_INDEPENDENT_FORWARD_PROGRESS, CL_DEVICE_NUMERIC_VERSION,
    CL_DEVICE_EXTENSIONS_WITH_VERSION, CL_DEVICE_ILS_WITH_VERSION, CL_DEVICE_BUILT_IN_KERNELS_WITH_VERSION,
    CL_DEVICE_ATOMIC_MEMORY_CAPABILITIES, CL_DEVICE_ATOMIC_FENCE_CAPABILITIES,
    CL_DEVICE_NON_UNIFORM_WORK_GROUP_SUPPORT, CL_DEVICE_OPENCL_C_ALL_VERSIONS,
    CL_DEVICE_PREFERRED_WORK_GROUP_SIZE_MULTIPLE, CL_DEVICE_WORK_GROUP_COLLECTIVE_FUNCTIONS_SUPPORT,
    CL_DEVICE_GENERIC_ADDRESS_SPACE_SUPPORT, CL_DEVICE_OPENCL_C_FEATURES, CL_DEVICE_DEVICE_ENQUEUE_CAPABILITIES,
    CL_DEVICE_PIPE_SUPPORT, CL_DEVICE_LATEST_CONFORMANCE_VERSION_PASSED,
};

static void queries(env_t *e) {
    char buf[4096];
    size_t sz = 0;
    /* Every 3.0 device query answers, and size-only queries agree with the real answer. */
    for (size_t i = 0; i < sizeof DEVICE_QUERIES / sizeof DEVICE_QUERIES[0]; i++) {
        size_t need = 12345, got = 6789;
        cl_int err = clGetDeviceInfo(e->d, DEVICE_QUERIES[i], 0, NULL, &need);
        if (err != CL_SUCCESS) { fprintf(stderr, "device query 0x%x: %d\n", DEVICE_QUERIES[i], err); failures++; continue; }
        CHECK(need <= sizeof buf);
        CHECK_OK(clGetDeviceInfo(e->d, DEVICE_QUERIES[i], sizeof buf, buf, &got));
        CHECK_EQ(got, need);
    }
    cl_platform_id dp = NULL;
    CHECK_OK(clGetDeviceInfo(e->d, CL_DEVICE_PLATFORM, sizeof dp, &dp, NULL));
    CHECK(dp == e->p);
    CHECK_OK(clGetPlatformInfo(e->p, CL_PLATFORM_EXTENSIONS, sizeof buf, buf, &sz));
    CHECK(strstr(buf, "cl_khr_icd") != NULL);
    CHECK_EQ(sz, strlen(buf) + 1);
    CHECK_OK(clGetPlatformInfo(e->p, CL_PLATFORM_ICD_SUFFIX_KHR, sizeof buf, buf, NULL));
    CHECK_OK(clGetPlatformInfo(e->p, CL_PLATFORM_VERSION, sizeof buf, buf, NULL));
    CHECK(strncmp(buf, "OpenCL 3.", 9) == 0 || !is_wgcl());
    if (is_wgcl()) {
        cl_bool images = CL_TRUE;
        CHECK_OK(clGetDeviceInfo(e->d, CL_DEVICE_IMAGE_SUPPORT, sizeof images, &images, NULL));
        CHECK_EQ(images, CL_FALSE);
        cl_device_svm_capabilities svm = 1;
        CHECK_OK(clGetDeviceInfo(e->d, CL_DEVICE_SVM_CAPABILITIES, sizeof svm, &svm, NULL));
        CHECK_EQ(svm, 0);
        CHECK_OK(clGetPlatformInfo(e->p, CL_PLATFORM_NAME, sizeof buf, buf, NULL));
        CHECK(strncmp(buf, "wgcl", 4) == 0);
    }

    /* Handles come back through queries; reference counts follow retain/release. */
    cl_context qc = NULL;
    cl_device_id qd = NULL;
    CHECK_OK(clGetCommandQueueInfo(e->q, CL_QUEUE_CONTEXT, sizeof qc, &qc, NULL));
    CHECK_OK(clGetCommandQueueInfo(e->q, CL_QUEUE_DEVICE, sizeof qd, &qd, NULL));
    CHECK(qc == e->ctx && qd == e->d);
    cl_uint ndev = 0;
    CHECK_OK(clGetContextInfo(e->ctx, CL_CONTEXT_NUM_DEVICES, sizeof ndev, &ndev, NULL));
    CHECK_EQ(ndev, 1);
    cl_device_id cd = NULL;
    CHECK_OK(clGetContextInfo(e->ctx, CL_CONTEXT_DEVICES, sizeof cd, &cd, &sz));
    CHECK(cd == e->d && sz == sizeof cd);
    cl_context_properties props[3] = {0};
    CHECK_OK(clGetContextInfo(e->ctx, CL_CONTEXT_PROPERTIES, sizeof props, props, &sz));
    CHECK_EQ(sz, sizeof props);
    CHECK(props[0] == CL_CONTEXT_PLATFORM && props[1] == (cl_context_properties)e->p && props[2] == 0);
    cl_uint rc0 = 0, rc1 = 0;
    CHECK_OK(clGetContextInfo(e->ctx, CL_CONTEXT_REFERENCE_COUNT, sizeof rc0, &rc0, NULL));
    CHECK_OK(clRetainContext(e->ctx));
    CHECK_OK(clGetContextInfo(e->ctx, CL_CONTEXT_REFERENCE_COUNT, sizeof rc1, &rc1, NULL));
    CHECK_EQ(rc1, rc0 + 1);
    CHECK_OK(clReleaseContext(e->ctx));
    cl_command_queue_properties qp = 99;
    CHECK_OK(clGetCommandQueueInfo(e->q, CL_QUEUE_PROPERTIES, sizeof qp, &qp, NULL));
    CHECK_EQ(qp, 0);

    cl_int err;
    cl_event ue = clCreateUserEvent(e->ctx, &err);
    CHECK_OK(err);
    cl_context ec = NULL;
    cl_command_queue eq = (cl_command_queue)1;
    CHECK_OK(clGetEventInfo(ue, CL_EVENT_CONTEXT, sizeof ec, &ec, NULL));
    CHECK_OK(clGetEventInfo(ue, CL_EVENT_COMMAND_QUEUE, sizeof eq, &eq, NULL));
    CHECK(ec == e->ctx && eq == NULL);
    cl_int st = 0;
    CHECK_OK(clGetEventInfo(ue, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof st, &st, NULL));
    CHECK_EQ(st, CL_SUBMITTED);
    cl_command_type ct = 0;
    CHECK_OK(clGetEventInfo(ue, CL_EVENT_COMMAND_TYPE, sizeof ct, &ct, NULL));
    CHECK_EQ(ct, CL_COMMAND_USER);
    cl_event m = NULL;
    CHECK_OK(clEnqueueMarkerWithWaitList(e->q, 1, &ue, &m));
    CHECK_OK(clGetEventInfo(m, CL_EVENT_COMMAND_QUEUE, sizeof eq, &eq, NULL));
    CHECK(eq == e->q);
    CHECK_OK(clSetUserEventStatus(ue, CL_COMPLETE));
    CHECK_OK(clWaitForEvents(1, &m));
    CHECK_OK(clReleaseEvent(m));
    CHECK_OK(clReleaseEvent(ue));
}

static void buffers(env_t *e) {
    cl_int err;
    int data[256], out[256];
    for (int i = 0; i < 256; i++) data[i] = i * 3 + 1;
    cl_mem a = clCreateBuffer(e->ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof data, data, &err);
    CHECK_OK(err);
    cl_mem b = clCreateBuffer(e->ctx, CL_MEM_READ_WRITE, sizeof data, NULL, &err);
    CHECK_OK(err);
    /* copy, fill, read */
    CHECK_OK(clEnqueueCopyBuffer(e->q, a, b, 0, 0, sizeof data, 0, NULL, NULL));
    int pattern = -7;
    CHECK_OK(clEnqueueFillBuffer(e->q, b, &pattern, sizeof pattern, 64 * sizeof(int), 16 * sizeof(int), 0, NULL, NULL));
    CHECK_OK(clEnqueueReadBuffer(e->q, b, CL_TRUE, 0, sizeof out, out, 0, NULL, NULL));
    int bad = 0;
    for (int i = 0; i < 256; i++) bad += out[i] != ((i >= 64 && i < 80) ? -7 : data[i]);
    CHECK_EQ(bad, 0);
    /* unaligned offsets and sizes */
    char bytes[7] = {1, 2, 3, 4, 5, 6, 7};
    CHECK_OK(clEnqueueWriteBuffer(e->q, b, CL_TRUE, 3, sizeof bytes, bytes, 0, NULL, NULL));
    char back[9] = {0};
    CHECK_OK(clEnqueueReadBuffer(e->q, b, CL_TRUE, 2, sizeof back, back, 0, NULL, NULL));
    CHECK(back[1] == 1 && back[7] == 7);
    /* map for write, unmap, map count */
    cl_event me;
    int *p = clEnqueueMapBuffer(e->q, a, CL_TRUE, CL_MAP_WRITE, 0, 16 * sizeof(int), 0, NULL, &me, &err);
    CHECK_OK(err);
    cl_uint mc = 0;
    CHECK_OK(clGetMemObjectInfo(a, CL_MEM_MAP_COUNT, sizeof mc, &mc, NULL));
    CHECK_EQ(mc, 1);
    if (p) {
        CHECK_EQ(p[5], data[5]);
        for (int i = 0; i < 16; i++) p[i] = 1000 + i;
        CHECK_OK(clEnqueueUnmapMemObject(e->q, a, p, 0, NULL, NULL));
    }
    CHECK_OK(clReleaseEvent(me));
    CHECK_OK(clEnqueueReadBuffer(e->q, a, CL_TRUE, 0, sizeof out, out, 0, NULL, NULL));
    CHECK_EQ(out[15], 1015);
    CHECK_EQ(out[16], data[16]);
    /* sub-buffer: queries and data */
    cl_uint align_bits = 0;
    CHECK_OK(clGetDeviceInfo(e->d, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits, &align_bits, NULL));
    size_t origin = align_bits / 8;
    if (origin < sizeof(int)) origin = sizeof(int);
    cl_buffer_region r = {origin, 8 * sizeof(int)};
    cl_mem sub = clCreateSubBuffer(a, CL_MEM_READ_ONLY, CL_BUFFER_CREATE_TYPE_REGION, &r, &err);
    CHECK_OK(err);
    cl_mem assoc = NULL;
    size_t off = 0, size = 0;
    cl_context mctx = NULL;
    CHECK_OK(clGetMemObjectInfo(sub, CL_MEM_ASSOCIATED_MEMOBJECT, sizeof assoc, &assoc, NULL));
    CHECK_OK(clGetMemObjectInfo(sub, CL_MEM_OFFSET, sizeof off, &off, NULL));
    CHECK_OK(clGetMemObjectInfo(sub, CL_MEM_SIZE, sizeof size, &size, NULL));
    CHECK_OK(clGetMemObjectInfo(sub, CL_MEM_CONTEXT, sizeof mctx, &mctx, NULL));
    CHECK(assoc == a && off == origin && size == r.size && mctx == e->ctx);
    int sub_out[8];
    CHECK_OK(clEnqueueReadBuffer(e->q, sub, CL_TRUE, 0, sizeof sub_out, sub_out, 0, NULL, NULL));
    CHECK_EQ(sub_out[0], out[origin / sizeof(int)]);
    cl_mem_object_type mt = 0;
    CHECK_OK(clGetMemObjectInfo(a, CL_MEM_TYPE, sizeof mt, &mt, NULL));
    CHECK_EQ(mt, CL_MEM_OBJECT_BUFFER);
    /* USE_HOST_PTR: CL_MEM_HOST_PTR is the application's pointer; mapping shows the data. */
    int *host = malloc(64 * sizeof(int));
    for (int i = 0; i < 64; i++) host[i] = 5 * i;
    cl_mem u = clCreateBuffer(e->ctx, CL_MEM_USE_HOST_PTR, 64 * sizeof(int), host, &err);
    CHECK_OK(err);
    void *hp = NULL;
    CHECK_OK(clGetMemObjectInfo(u, CL_MEM_HOST_PTR, sizeof hp, &hp, NULL));
    CHECK(hp == host);
    CHECK_OK(clEnqueueCopyBuffer(e->q, a, u, 0, 0, 4 * sizeof(int), 0, NULL, NULL));
    int *mp = clEnqueueMapBuffer(e->q, u, CL_TRUE, CL_MAP_READ, 0, 64 * sizeof(int), 0, NULL, NULL, &err);
    CHECK_OK(err);
    if (mp) {
        CHECK_EQ(mp[0], 1000);
        CHECK_EQ(mp[10], 50);
        CHECK_OK(clEnqueueUnmapMemObject(e->q, u, mp, 0, NULL, NULL));
    }
    CHECK_OK(clFinish(e->q));
    CHECK_OK(clReleaseMemObject(u));
    CHECK_OK(clReleaseMemObject(sub));
    CHECK_OK(clReleaseMemObject(a));
    CHECK_OK(clReleaseMemObject(b));
    /* The spec lets the region be reused only after the destructor callbacks; with none
     * registered, after clFinish + release nothing uses it any more. */
    free(host);
    /* Markers, barriers and the 1.x forms. */
    cl_event mk = NULL;
    CHECK_OK(clEnqueueMarker(e->q, &mk));
    CHECK_OK(clEnqueueBarrier(e->q));
    CHECK_OK(clEnqueueBarrierWithWaitList(e->q, 1, &mk, NULL));
    if (is_wgcl()) CHECK_OK(clEnqueueWaitForEvents(e->q, 1, &mk)); /* PoCL 3.1: unimplemented */
    CHECK_OK(clFinish(e->q));
    CHECK_OK(clReleaseEvent(mk));
}

static void profiling(env_t *e) {
    cl_int err;
    cl_mem m = clCreateBuffer(e->ctx, CL_MEM_READ_WRITE, 4096, NULL, &err);
    CHECK_OK(err);
    char zeros[4096] = {0};
    cl_event ev;
    CHECK_OK(clEnqueueWriteBuffer(e->q, m, CL_TRUE, 0, sizeof zeros, zeros, 0, NULL, &ev));
    cl_ulong t[4] = {0};
    cl_profiling_info names[4] = {CL_PROFILING_COMMAND_QUEUED, CL_PROFILING_COMMAND_SUBMIT, CL_PROFILING_COMMAND_START, CL_PROFILING_COMMAND_END};
    for (int i = 0; i < 4; i++) CHECK_OK(clGetEventProfilingInfo(ev, names[i], sizeof t[i], &t[i], NULL));
    CHECK(t[0] <= t[1] && t[1] <= t[2] && t[2] <= t[3] && t[0] > 0);
    CHECK_EQ(clGetEventProfilingInfo(ev, 0x7FFF, sizeof t[0], &t[0], NULL), CL_INVALID_VALUE);
    CHECK_OK(clReleaseEvent(ev));
    CHECK_OK(clReleaseMemObject(m));
}

int main(void) {
    env_t e = {0};
    if (!env_init(&e, 0)) return 1;
    queries(&e);
    buffers(&e);
    env_t p = {0};
    if (env_init(&p, CL_QUEUE_PROFILING_ENABLE)) profiling(&p); else CHECK(0);
    env_release(&p);
    env_release(&e);
    return finish("objects");
}
