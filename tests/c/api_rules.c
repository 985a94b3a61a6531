/* API rules the Khronos CTS api suite checks: device type 0 is invalid, host/device timers
 * agree with CL_PLATFORM_HOST_TIMER_RESOLUTION, zero-sized NDRanges (NULL or a 0 size)
 * trivially succeed after their wait list, CL_DEVICE_MEM_BASE_ADDR_ALIGN covers long16,
 * non-uniform work-groups work where the device says so, and clSetDefaultDeviceCommandQueue
 * is CL_INVALID_OPERATION without on-device queues (also for a NULL queue); argument info
 * only with -cl-kernel-arg-info and CONST only for a pointee; build options checked
 * (-Werror fine, unknown ones CL_INVALID_BUILD_OPTIONS, -cl-uniform-work-group-size
 * enforced); a program rebuilt once its kernels are released; a same-buffer rectangular copy
 * of disjoint regions.
 * Runs against wgcl (directly and through the loader) and PoCL alike. */
#include "common.h"

static const char *SRC =
    "__kernel void k(__global int *dst) { dst[get_global_id(0)] = (int)get_global_id(0) + 1; }\n";

static void device_types(env_t *e) {
    /* PoCL answers CL_DEVICE_NOT_FOUND for type 0; the reference pages and the CTS say
     * CL_INVALID_DEVICE_TYPE. */
    if (!is_wgcl()) return;
    cl_device_id d;
    cl_uint n;
    cl_int err;
    CHECK_EQ(clGetDeviceIDs(e->p, 0, 1, &d, &n), CL_INVALID_DEVICE_TYPE);
    cl_context_properties cp[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)e->p, 0};
    cl_context c = clCreateContextFromType(cp, 0, NULL, NULL, &err);
    CHECK(c == NULL);
    CHECK_EQ(err, CL_INVALID_DEVICE_TYPE);
}

static void timers(env_t *e) {
    cl_ulong res = 0, dev = 0, host = 0, host2 = 0;
    CHECK_OK(clGetPlatformInfo(e->p, CL_PLATFORM_HOST_TIMER_RESOLUTION, sizeof res, &res, NULL));
    if (is_wgcl()) CHECK(res != 0);
    if (res == 0) {
        CHECK_EQ(clGetDeviceAndHostTimer(e->d, &dev, &host), CL_INVALID_OPERATION);
        CHECK_EQ(clGetHostTimer(e->d, &host), CL_INVALID_OPERATION);
        return;
    }
    CHECK_EQ(clGetDeviceAndHostTimer(e->d, NULL, &host), CL_INVALID_VALUE);
    CHECK_EQ(clGetDeviceAndHostTimer(e->d, &dev, NULL), CL_INVALID_VALUE);
    CHECK_EQ(clGetHostTimer(e->d, NULL), CL_INVALID_VALUE);
    CHECK_OK(clGetDeviceAndHostTimer(e->d, &dev, &host));
    CHECK_OK(clGetHostTimer(e->d, &host2));
    CHECK(dev != 0 && host != 0);
    CHECK(host2 >= host);
    if (is_wgcl()) {
        /* One clock: profiling times of a command lie between two device timestamps. */
        cl_int err;
        cl_command_queue_properties props[] = {CL_QUEUE_PROPERTIES, CL_QUEUE_PROFILING_ENABLE, 0};
        cl_command_queue q = clCreateCommandQueueWithProperties(e->ctx, e->d, props, &err);
        CHECK_OK(err);
        cl_ulong before = 0, after = 0, start = 0, end = 0;
        CHECK_OK(clGetDeviceAndHostTimer(e->d, &before, &host));
        cl_event ev;
        CHECK_OK(clEnqueueMarkerWithWaitList(q, 0, NULL, &ev));
        CHECK_OK(clWaitForEvents(1, &ev));
        CHECK_OK(clGetDeviceAndHostTimer(e->d, &after, &host));
        CHECK_OK(clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof start, &start, NULL));
        CHECK_OK(clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof end, &end, NULL));
        CHECK(before <= start && start <= end && end <= after);
        clReleaseEvent(ev);
        clReleaseCommandQueue(q);
    }
}

static void zero_sized_and_non_uniform(env_t *e) {
    cl_int err;
    cl_program p = clCreateProgramWithSource(e->ctx, 1, &SRC, NULL, &err);
    CHECK_OK(err);
    CHECK_OK(clBuildProgram(p, 1, &e->d, "-cl-std=CL3.0", NULL, NULL));
    cl_kernel k = clCreateKernel(p, "k", &err);
    CHECK_OK(err);
    int data[32] = {0};
    cl_mem m = clCreateBuffer(e->ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof data, data, &err);
    CHECK_OK(err);
    CHECK_OK(clSetKernelArg(k, 0, sizeof m, &m));

    /* NULL and zero global sizes: a no-op NDRange command, ordered after its wait list. */
    size_t zero2[2] = {4, 0};
    CHECK_OK(clEnqueueNDRangeKernel(e->q, k, 1, NULL, NULL, NULL, 0, NULL, NULL));
    CHECK_OK(clEnqueueNDRangeKernel(e->q, k, 2, NULL, zero2, NULL, 0, NULL, NULL));
    cl_event gate = clCreateUserEvent(e->ctx, &err);
    CHECK_OK(err);
    cl_event ev;
    size_t zero = 0;
    CHECK_OK(clEnqueueNDRangeKernel(e->q, k, 1, NULL, &zero, NULL, 1, &gate, &ev));
    cl_command_type ty = 0;
    CHECK_OK(clGetEventInfo(ev, CL_EVENT_COMMAND_TYPE, sizeof ty, &ty, NULL));
    CHECK_EQ(ty, CL_COMMAND_NDRANGE_KERNEL);
    CHECK_OK(clFlush(e->q));
    cl_int st = 0;
    CHECK_OK(clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof st, &st, NULL));
    CHECK(st == CL_QUEUED || st == CL_SUBMITTED);
    CHECK_OK(clSetUserEventStatus(gate, CL_COMPLETE));
    CHECK_OK(clWaitForEvents(1, &ev));
    CHECK_OK(clEnqueueReadBuffer(e->q, m, CL_TRUE, 0, sizeof data, data, 0, NULL, NULL));
    for (int i = 0; i < 32; i++) CHECK_EQ(data[i], 0);
    clReleaseEvent(ev);
    clReleaseEvent(gate);

    /* Non-uniform work-groups: 30 items in groups of 8 where the device supports them. */
    cl_bool nu = CL_FALSE;
    CHECK_OK(clGetDeviceInfo(e->d, CL_DEVICE_NON_UNIFORM_WORK_GROUP_SUPPORT, sizeof nu, &nu, NULL));
    if (is_wgcl()) CHECK(nu == CL_TRUE);
    if (nu) {
        size_t g = 30, l = 8;
        CHECK_OK(clEnqueueNDRangeKernel(e->q, k, 1, NULL, &g, &l, 0, NULL, NULL));
        CHECK_OK(clEnqueueReadBuffer(e->q, m, CL_TRUE, 0, sizeof data, data, 0, NULL, NULL));
        for (int i = 0; i < 32; i++) CHECK_EQ(data[i], i < 30 ? i + 1 : 0);
    }
    clReleaseMemObject(m);
    clReleaseKernel(k);
    clReleaseProgram(p);
}

static void limits(env_t *e) {
    cl_uint align_bits = 0;
    CHECK_OK(clGetDeviceInfo(e->d, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits, &align_bits, NULL));
    CHECK(align_bits >= 1024); /* long16 */
    cl_ulong global = 0, max_alloc = 0;
    char profile[64] = {0};
    CHECK_OK(clGetDeviceInfo(e->d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof global, &global, NULL));
    CHECK_OK(clGetDeviceInfo(e->d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc, &max_alloc, NULL));
    CHECK_OK(clGetDeviceInfo(e->d, CL_DEVICE_PROFILE, sizeof profile - 1, profile, NULL));
    /* The full profile's minimum: max(1/4 of the global memory, 128 MiB). */
    if (strcmp(profile, "FULL_PROFILE") == 0) {
        CHECK(max_alloc >= global / 4);
        CHECK(max_alloc >= (cl_ulong)128 << 20);
    }
    cl_device_device_enqueue_capabilities caps = 1;
    CHECK_OK(clGetDeviceInfo(e->d, CL_DEVICE_DEVICE_ENQUEUE_CAPABILITIES, sizeof caps, &caps, NULL));
    if (caps == 0) {
        CHECK_EQ(clSetDefaultDeviceCommandQueue(e->ctx, e->d, NULL), CL_INVALID_OPERATION);
        CHECK_EQ(clSetDefaultDeviceCommandQueue(e->ctx, e->d, e->q), CL_INVALID_OPERATION);
    }
}

static const char *ARGS_SRC =
    "__kernel void k(const int n, __global const int *a, __constant int *c, __global int *restrict o) {\n"
    "    o[get_global_id(0)] = n + a[0] + c[0];\n"
    "}\n";

static cl_program build_with(env_t *e, const char *src, const char *opts, cl_int *err) {
    cl_int e2;
    cl_program p = clCreateProgramWithSource(e->ctx, 1, &src, NULL, &e2);
    CHECK_OK(e2);
    *err = clBuildProgram(p, 1, &e->d, opts, NULL, NULL);
    return p;
}

static void arg_info_and_options(env_t *e) {
    cl_int err;
    char name[64];
    cl_kernel_arg_type_qualifier q = 99;
    cl_program p = build_with(e, ARGS_SRC, "", &err);
    CHECK_OK(err);
    cl_kernel k = clCreateKernel(p, "k", &err);
    CHECK_OK(err);
    if (is_wgcl()) CHECK_EQ(clGetKernelArgInfo(k, 0, CL_KERNEL_ARG_NAME, sizeof name, name, NULL), CL_KERNEL_ARG_INFO_NOT_AVAILABLE);
    CHECK_EQ(clGetKernelArgInfo(k, 9, CL_KERNEL_ARG_NAME, sizeof name, name, NULL), CL_INVALID_ARG_INDEX);
    clReleaseKernel(k);
    clReleaseProgram(p);

    p = build_with(e, ARGS_SRC, "-cl-kernel-arg-info -Werror", &err);
    CHECK_OK(err);
    k = clCreateKernel(p, "k", &err);
    CHECK_OK(err);
    CHECK_OK(clGetKernelArgInfo(k, 0, CL_KERNEL_ARG_NAME, sizeof name, name, NULL));
    CHECK(strcmp(name, "n") == 0);
    cl_kernel_arg_type_qualifier want[4] = {CL_KERNEL_ARG_TYPE_NONE, CL_KERNEL_ARG_TYPE_CONST, CL_KERNEL_ARG_TYPE_CONST, CL_KERNEL_ARG_TYPE_RESTRICT};
    for (cl_uint i = 0; i < 4; i++) {
        CHECK_OK(clGetKernelArgInfo(k, i, CL_KERNEL_ARG_TYPE_QUALIFIER, sizeof q, &q, NULL));
        CHECK_EQ(q, want[i]);
    }
    clReleaseKernel(k);

    /* Rebuilding once the kernels are released, after one of them ran. */
    const char *src1 = SRC;
    cl_program p1 = build_with(e, src1, "", &err);
    CHECK_OK(err);
    k = clCreateKernel(p1, "k", &err);
    CHECK_OK(err);
    cl_mem m = clCreateBuffer(e->ctx, CL_MEM_READ_WRITE, 64 * sizeof(int), NULL, &err);
    CHECK_OK(err);
    CHECK_OK(clSetKernelArg(k, 0, sizeof m, &m));
    size_t g = 64;
    CHECK_OK(clEnqueueNDRangeKernel(e->q, k, 1, NULL, &g, NULL, 0, NULL, NULL));
    CHECK_OK(clReleaseKernel(k));
    CHECK_OK(clFinish(e->q));
    CHECK_OK(clBuildProgram(p1, 1, &e->d, "-DREBUILT", NULL, NULL));

    /* -cl-uniform-work-group-size: a non-uniform NDRange is CL_INVALID_WORK_GROUP_SIZE. */
    CHECK_OK(clBuildProgram(p1, 1, &e->d, "-cl-std=CL3.0 -cl-uniform-work-group-size", NULL, NULL));
    k = clCreateKernel(p1, "k", &err);
    CHECK_OK(err);
    CHECK_OK(clSetKernelArg(k, 0, sizeof m, &m));
    size_t g30 = 30, l8 = 8, l2 = 2;
    CHECK_EQ(clEnqueueNDRangeKernel(e->q, k, 1, NULL, &g30, &l8, 0, NULL, NULL), CL_INVALID_WORK_GROUP_SIZE);
    CHECK_OK(clEnqueueNDRangeKernel(e->q, k, 1, NULL, &g30, &l2, 0, NULL, NULL));
    CHECK_OK(clFinish(e->q));
    clReleaseKernel(k);

    if (is_wgcl()) {
        CHECK_EQ(clBuildProgram(p1, 1, &e->d, "-no-such-option", NULL, NULL), CL_INVALID_BUILD_OPTIONS);
        CHECK_EQ(clBuildProgram(p1, 1, &e->d, "-cl-std=CL9.9", NULL, NULL), CL_INVALID_BUILD_OPTIONS);
        CHECK_EQ(clBuildProgram(p1, 1, &e->d, "-D", NULL, NULL), CL_INVALID_BUILD_OPTIONS);
    }
    CHECK_OK(clBuildProgram(p1, 1, &e->d, "-D X -I . -w -cl-mad-enable", NULL, NULL));

    /* A rectangular copy inside one buffer between disjoint regions. */
    int host[64];
    for (int i = 0; i < 64; i++) host[i] = i;
    CHECK_OK(clEnqueueWriteBuffer(e->q, m, CL_TRUE, 0, sizeof host, host, 0, NULL, NULL));
    /* 8x8 ints: copy the 2x3 block at (0,0) to (4,4). */
    size_t so[3] = {0, 0, 0}, dso[3] = {4 * sizeof(int), 4, 0}, reg[3] = {2 * sizeof(int), 3, 1};
    CHECK_OK(clEnqueueCopyBufferRect(e->q, m, m, so, dso, reg, 8 * sizeof(int), 0, 8 * sizeof(int), 0, 0, NULL, NULL));
    int got[64];
    CHECK_OK(clEnqueueReadBuffer(e->q, m, CL_TRUE, 0, sizeof got, got, 0, NULL, NULL));
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++) {
            int in = x >= 4 && x < 6 && y >= 4 && y < 7;
            CHECK_EQ(got[y * 8 + x], in ? (y - 4) * 8 + (x - 4) : y * 8 + x);
        }
    /* Overlapping regions of one buffer stay CL_MEM_COPY_OVERLAP. */
    size_t ov[3] = {1 * sizeof(int), 1, 0};
    CHECK_EQ(clEnqueueCopyBufferRect(e->q, m, m, so, ov, reg, 8 * sizeof(int), 0, 8 * sizeof(int), 0, 0, NULL, NULL), CL_MEM_COPY_OVERLAP);
    clReleaseMemObject(m);
    clReleaseProgram(p1);
    clReleaseProgram(p);
}

int main(void) {
    env_t e = {0};
    if (!env_init(&e, 0)) return 1;
    device_types(&e);
    timers(&e);
    zero_sized_and_non_uniform(&e);
    limits(&e);
    arg_info_and_options(&e);
    env_release(&e);
    return finish("api_rules");
}
