/* A kernel pipeline checked against a CPU reference: upload, saxpy, square, read back, on
 * an in-order queue and on an out-of-order queue ordered by events only; kernel queries. */
#include <math.h>
#include "common.h"

#define N 1000

static int run(env_t *e, cl_program prog, int out_of_order) {
    cl_int err;
    float x[N], y[N], want[N], got[N];
    const float a = 2.5f;
    const cl_uint n = N;
    for (int i = 0; i < N; i++) {
        x[i] = (float)i * 0.5f;
        y[i] = (float)(N - i) * 0.25f;
        float s = a * x[i] + y[i];
        want[i] = s * s;
    }
    cl_mem bx = clCreateBuffer(e->ctx, CL_MEM_READ_ONLY, sizeof x, NULL, &err);
    CHECK_OK(err);
    cl_mem by = clCreateBuffer(e->ctx, CL_MEM_READ_WRITE, sizeof y, NULL, &err);
    CHECK_OK(err);
    cl_kernel saxpy = clCreateKernel(prog, "saxpy", &err);
    CHECK_OK(err);
    cl_kernel square = clCreateKernel(prog, "square", &err);
    CHECK_OK(err);
    cl_kernel ks[2] = {saxpy, square};
    for (int k = 0; k < 2; k++) {
        CHECK_OK(clSetKernelArg(ks[k], 0, sizeof(cl_mem), &bx));
        CHECK_OK(clSetKernelArg(ks[k], 1, sizeof(cl_mem), &by));
        CHECK_OK(clSetKernelArg(ks[k], 2, sizeof a, &a));
        CHECK_OK(clSetKernelArg(ks[k], 3, sizeof n, &n));
    }
    cl_event w[2], k1, k2, rd;
    CHECK_OK(clEnqueueWriteBuffer(e->q, bx, CL_FALSE, 0, sizeof x, x, 0, NULL, &w[0]));
    CHECK_OK(clEnqueueWriteBuffer(e->q, by, CL_FALSE, 0, sizeof y, y, 0, NULL, &w[1]));
    size_t global = N, local = 8;
    CHECK_OK(clEnqueueNDRangeKernel(e->q, saxpy, 1, NULL, &global, out_of_order ? &local : NULL, 2, w, &k1));
    CHECK_OK(clEnqueueNDRangeKernel(e->q, square, 1, NULL, &global, NULL, 1, &k1, &k2));
    CHECK_OK(clEnqueueReadBuffer(e->q, by, CL_FALSE, 0, sizeof got, got, 1, &k2, &rd));
    CHECK_OK(clWaitForEvents(1, &rd));
    int bad = 0;
    for (int i = 0; i < N; i++)
        if (fabsf(got[i] - want[i]) > 1e-3f * fabsf(want[i]) + 1e-3f) {
            if (bad++ < 5) fprintf(stderr, "y[%d] = %f, expected %f\n", i, got[i], want[i]);
        }
    CHECK_EQ(bad, 0);
    cl_command_type ct = 0;
    CHECK_OK(clGetEventInfo(k1, CL_EVENT_COMMAND_TYPE, sizeof ct, &ct, NULL));
    CHECK_EQ(ct, CL_COMMAND_NDRANGE_KERNEL);
    cl_int st = 1;
    CHECK_OK(clGetEventInfo(k2, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof st, &st, NULL));
    CHECK_EQ(st, CL_COMPLETE);

    /* clEnqueueTask: one work-item. */
    cl_uint one = 1;
    CHECK_OK(clSetKernelArg(saxpy, 3, sizeof one, &one));
    float y0 = 0;
    CHECK_OK(clEnqueueTask(e->q, saxpy, 0, NULL, NULL));
    CHECK_OK(clEnqueueReadBuffer(e->q, by, CL_TRUE, 0, sizeof y0, &y0, 0, NULL, NULL));
    CHECK(fabsf(y0 - (a * x[0] + want[0])) < 1e-3f);

    for (int i = 0; i < 2; i++) CHECK_OK(clReleaseEvent(w[i]));
    CHECK_OK(clReleaseEvent(k1));
    CHECK_OK(clReleaseEvent(k2));
    CHECK_OK(clReleaseEvent(rd));
    CHECK_OK(clReleaseKernel(saxpy));
    CHECK_OK(clReleaseKernel(square));
    CHECK_OK(clReleaseMemObject(bx));
    CHECK_OK(clReleaseMemObject(by));
    return 1;
}

static void kernel_queries(env_t *e, cl_program prog) {
    cl_int err;
    cl_kernel k = clCreateKernel(prog, "saxpy", &err);
    CHECK_OK(err);
    char name[64] = {0};
    size_t sz = 0;
    CHECK_OK(clGetKernelInfo(k, CL_KERNEL_FUNCTION_NAME, sizeof name, name, &sz));
    CHECK(strcmp(name, "saxpy") == 0);
    CHECK_EQ(sz, 6);
    cl_uint nargs = 0;
    CHECK_OK(clGetKernelInfo(k, CL_KERNEL_NUM_ARGS, sizeof nargs, &nargs, NULL));
    CHECK_EQ(nargs, 4);
    cl_program kp = NULL;
    CHECK_OK(clGetKernelInfo(k, CL_KERNEL_PROGRAM, sizeof kp, &kp, NULL));
    CHECK(kp == prog);
    cl_context kc = NULL;
    CHECK_OK(clGetKernelInfo(k, CL_KERNEL_CONTEXT, sizeof kc, &kc, NULL));
    CHECK(kc == e->ctx);
    const char *arg_names[4] = {"x", "y", "a", "n"};
    for (cl_uint i = 0; i < 4; i++) {
        char an[32] = {0};
        CHECK_OK(clGetKernelArgInfo(k, i, CL_KERNEL_ARG_NAME, sizeof an, an, NULL));
        CHECK(strcmp(an, arg_names[i]) == 0);
    }
    cl_kernel_arg_address_qualifier aq = 0;
    CHECK_OK(clGetKernelArgInfo(k, 1, CL_KERNEL_ARG_ADDRESS_QUALIFIER, sizeof aq, &aq, NULL));
    CHECK_EQ(aq, CL_KERNEL_ARG_ADDRESS_GLOBAL);
    CHECK_OK(clGetKernelArgInfo(k, 2, CL_KERNEL_ARG_ADDRESS_QUALIFIER, sizeof aq, &aq, NULL));
    CHECK_EQ(aq, CL_KERNEL_ARG_ADDRESS_PRIVATE);
    size_t wg = 0;
    CHECK_OK(clGetKernelWorkGroupInfo(k, e->d, CL_KERNEL_WORK_GROUP_SIZE, sizeof wg, &wg, NULL));
    CHECK(wg >= 1);
    size_t cwg[3] = {9, 9, 9};
    CHECK_OK(clGetKernelWorkGroupInfo(k, e->d, CL_KERNEL_COMPILE_WORK_GROUP_SIZE, sizeof cwg, cwg, NULL));
    CHECK(cwg[0] == 0 && cwg[1] == 0 && cwg[2] == 0);

    size_t nk = 0;
    CHECK_OK(clGetProgramInfo(prog, CL_PROGRAM_NUM_KERNELS, sizeof nk, &nk, NULL));
    CHECK_EQ(nk, 2);
    char names[64] = {0};
    CHECK_OK(clGetProgramInfo(prog, CL_PROGRAM_KERNEL_NAMES, sizeof names, names, NULL));
    CHECK(strstr(names, "saxpy") && strstr(names, "square") && strchr(names, ';'));
    cl_kernel all[2] = {0};
    cl_uint nret = 0;
    CHECK_OK(clCreateKernelsInProgram(prog, 2, all, &nret));
    CHECK_EQ(nret, 2);
    for (int i = 0; i < 2; i++) if (all[i]) CHECK_OK(clReleaseKernel(all[i]));
    cl_uint pref = 0;
    CHECK_OK(clGetProgramInfo(prog, CL_PROGRAM_REFERENCE_COUNT, sizeof pref, &pref, NULL));
    CHECK(pref >= 1);
    cl_build_status bs = -9;
    CHECK_OK(clGetProgramBuildInfo(prog, e->d, CL_PROGRAM_BUILD_STATUS, sizeof bs, &bs, NULL));
    CHECK_EQ(bs, CL_BUILD_SUCCESS);
    cl_program_binary_type bt = 0;
    CHECK_OK(clGetProgramBuildInfo(prog, e->d, CL_PROGRAM_BINARY_TYPE, sizeof bt, &bt, NULL));
    CHECK_EQ(bt, CL_PROGRAM_BINARY_TYPE_EXECUTABLE);

    /* Binary round trip: CL_PROGRAM_BINARIES into clCreateProgramWithBinary. */
    size_t bsz = 0;
    CHECK_OK(clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof bsz, &bsz, NULL));
    CHECK(bsz > 0);
    unsigned char *bin = malloc(bsz ? bsz : 1);
    unsigned char *bins[1] = {bin};
    CHECK_OK(clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL));
    cl_int bstatus = -1;
    const unsigned char *cbins[1] = {bin};
    cl_program p2 = clCreateProgramWithBinary(e->ctx, 1, &e->d, &bsz, cbins, &bstatus, &err);
    CHECK_OK(err);
    CHECK_EQ(bstatus, CL_SUCCESS);
    if (p2) {
        CHECK_OK(clBuildProgram(p2, 1, &e->d, NULL, NULL, NULL));
        cl_kernel k2 = clCreateKernel(p2, "square", &err);
        CHECK_OK(err);
        if (k2) CHECK_OK(clReleaseKernel(k2));
        CHECK_OK(clReleaseProgram(p2));
    }
    free(bin);
    CHECK_OK(clReleaseKernel(k));
}

int main(void) {
    env_t e = {0};
    if (!env_init(&e, 0)) return 1;
    cl_program prog = build_program(&e);
    CHECK(prog != NULL);
    if (prog) {
        run(&e, prog, 0);
        kernel_queries(&e, prog);
    }
    env_t o = {0};
    if (env_init(&o, CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE | CL_QUEUE_PROFILING_ENABLE)) {
        cl_program p2 = build_program(&o);
        if (p2) {
            run(&o, p2, 1);
            CHECK_OK(clReleaseProgram(p2));
        }
    } else {
        CHECK(0);
    }
    env_release(&o);
    if (prog) CHECK_OK(clReleaseProgram(prog));
    env_release(&e);
    return finish("pipeline");
}
