/* Many by-value kernel arguments, as BLAS and linear-algebra libraries pass them:
 * 1. 64 scalars of mixed types (char ... long, float, vectors) each reach the kernel exactly;
 * 2. by-value arguments filling CL_DEVICE_MAX_PARAMETER_SIZE (with one buffer) work. */
#include "common.h"

#define NARGS 64
/* Argument k's type cycles through these; each value is derived from k. */
static const char *TYPES[] = {"char", "uchar", "short", "ushort", "int", "uint", "long", "ulong", "float", "int2", "float4"};
#define NTYPES (int)(sizeof TYPES / sizeof TYPES[0])

static long long expected(int k) {
    switch (k % NTYPES) {
    case 0: return -(k + 1);                 /* char */
    case 1: return 200 + k % 50;             /* uchar */
    case 2: return -100 * (k + 1);           /* short */
    case 3: return 60000 + k;                /* ushort */
    case 4: return -100000 * (k + 1);        /* int */
    case 5: return 4000000000LL + k;         /* uint */
    case 6: return -5000000000LL * (k + 1);  /* long */
    case 7: return 9000000000LL + k;         /* ulong */
    case 8: return (k + 1) * 3;              /* float: (x * 2) of k * 1.5 */
    case 9: return (long long)(k * 7) + (k * 11);   /* int2: .x + .y */
    default: return 4 * (k + 1);             /* float4: sum of the four components */
    }
}

static void set_arg(cl_kernel kern, int k, int index) {
    cl_char c = (cl_char)-(k + 1);
    cl_uchar uc = (cl_uchar)(200 + k % 50);
    cl_short s = (cl_short)(-100 * (k + 1));
    cl_ushort us = (cl_ushort)(60000 + k);
    cl_int i = -100000 * (k + 1);
    cl_uint u = 4000000000u + (cl_uint)k;
    cl_long l = -5000000000LL * (k + 1);
    cl_ulong ul = 9000000000ULL + (cl_ulong)k;
    cl_float f = (cl_float)k * 1.5f + 1.5f;
    cl_int2 i2 = {{k * 7, k * 11}};
    cl_float4 f4 = {{(cl_float)(k + 1), (cl_float)(k + 1), (cl_float)(k + 1), (cl_float)(k + 1)}};
    cl_int err;
    switch (k % NTYPES) {
    case 0: err = clSetKernelArg(kern, index, sizeof c, &c); break;
    case 1: err = clSetKernelArg(kern, index, sizeof uc, &uc); break;
    case 2: err = clSetKernelArg(kern, index, sizeof s, &s); break;
    case 3: err = clSetKernelArg(kern, index, sizeof us, &us); break;
    case 4: err = clSetKernelArg(kern, index, sizeof i, &i); break;
    case 5: err = clSetKernelArg(kern, index, sizeof u, &u); break;
    case 6: err = clSetKernelArg(kern, index, sizeof l, &l); break;
    case 7: err = clSetKernelArg(kern, index, sizeof ul, &ul); break;
    case 8: err = clSetKernelArg(kern, index, sizeof f, &f); break;
    case 9: err = clSetKernelArg(kern, index, sizeof i2, &i2); break;
    default: err = clSetKernelArg(kern, index, sizeof f4, &f4); break;
    }
    CHECK_OK(err);
}

static cl_program build(env_t *e, const char *src) {
    cl_int err;
    cl_program p = clCreateProgramWithSource(e->ctx, 1, &src, NULL, &err);
    CHECK_OK(err);
    err = clBuildProgram(p, 1, &e->d, NULL, NULL, NULL);
    if (err != CL_SUCCESS) {
        char log[8192] = {0};
        clGetProgramBuildInfo(p, e->d, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
        fprintf(stderr, "clBuildProgram: %d\n%s\n", err, log);
        failures++;
        clReleaseProgram(p);
        return NULL;
    }
    return p;
}

static void sixty_four_scalars(env_t *e) {
    static char src[16384];
    int n = snprintf(src, sizeof src, "__kernel void many(__global long *out");
    for (int k = 0; k < NARGS; k++) n += snprintf(src + n, sizeof src - n, ", %s a%d", TYPES[k % NTYPES], k);
    n += snprintf(src + n, sizeof src - n, ") {\n");
    for (int k = 0; k < NARGS; k++) {
        switch (k % NTYPES) {
        case 8: n += snprintf(src + n, sizeof src - n, "  out[%d] = (long)(a%d * 2.0f);\n", k, k); break;
        case 9: n += snprintf(src + n, sizeof src - n, "  out[%d] = (long)a%d.x + a%d.y;\n", k, k, k); break;
        case 10: n += snprintf(src + n, sizeof src - n, "  out[%d] = (long)(a%d.x + a%d.y + a%d.z + a%d.w);\n", k, k, k, k, k); break;
        default: n += snprintf(src + n, sizeof src - n, "  out[%d] = (long)a%d;\n", k, k); break;
        }
    }
    snprintf(src + n, sizeof src - n, "}\n");
    cl_program p = build(e, src);
    if (!p) return;
    cl_int err;
    cl_kernel kern = clCreateKernel(p, "many", &err);
    CHECK_OK(err);
    cl_mem out = clCreateBuffer(e->ctx, CL_MEM_READ_WRITE, NARGS * sizeof(cl_long), NULL, &err);
    CHECK_OK(err);
    CHECK_OK(clSetKernelArg(kern, 0, sizeof out, &out));
    for (int k = 0; k < NARGS; k++) set_arg(kern, k, k + 1);
    size_t one = 1;
    CHECK_OK(clEnqueueNDRangeKernel(e->q, kern, 1, NULL, &one, NULL, 0, NULL, NULL));
    cl_long got[NARGS] = {0};
    CHECK_OK(clEnqueueReadBuffer(e->q, out, CL_TRUE, 0, sizeof got, got, 0, NULL, NULL));
    for (int k = 0; k < NARGS; k++) {
        if (got[k] != expected(k)) {
            fprintf(stderr, "argument %d (%s): got %lld, expected %lld\n", k, TYPES[k % NTYPES], (long long)got[k], expected(k));
            failures++;
        }
    }
    clReleaseMemObject(out);
    clReleaseKernel(kern);
    clReleaseProgram(p);
}

/* int4 arguments that, with the buffer pointer, fill CL_DEVICE_MAX_PARAMETER_SIZE. */
static void max_parameter_size(env_t *e) {
    size_t max = 0;
    CHECK_OK(clGetDeviceInfo(e->d, CL_DEVICE_MAX_PARAMETER_SIZE, sizeof max, &max, NULL));
    CHECK(max >= 1024); /* the spec's minimum for a full profile */
    int count = (int)((max - sizeof(cl_mem)) / sizeof(cl_int4));
    if (count > 240) count = 240; /* a kernel's argument count has its own limits */
    static char src[65536];
    int n = snprintf(src, sizeof src, "__kernel void big(__global int *out");
    for (int k = 0; k < count; k++) n += snprintf(src + n, sizeof src - n, ", int4 v%d", k);
    n += snprintf(src + n, sizeof src - n, ") {\n  int s = 0;\n");
    for (int k = 0; k < count; k++) n += snprintf(src + n, sizeof src - n, "  s += v%d.x * 1 + v%d.y * 3 + v%d.z * 5 + v%d.w * 7;\n", k, k, k, k);
    snprintf(src + n, sizeof src - n, "  out[0] = s;\n}\n");
    cl_program p = build(e, src);
    if (!p) return;
    cl_int err;
    cl_kernel kern = clCreateKernel(p, "big", &err);
    CHECK_OK(err);
    cl_mem out = clCreateBuffer(e->ctx, CL_MEM_READ_WRITE, sizeof(cl_int), NULL, &err);
    CHECK_OK(err);
    CHECK_OK(clSetKernelArg(kern, 0, sizeof out, &out));
    long long want = 0;
    for (int k = 0; k < count; k++) {
        cl_int4 v = {{k, k + 1, -k, 2 * k}};
        want += (long long)v.s[0] + 3LL * v.s[1] + 5LL * v.s[2] + 7LL * v.s[3];
        CHECK_OK(clSetKernelArg(kern, k + 1, sizeof v, &v));
    }
    size_t one = 1;
    CHECK_OK(clEnqueueNDRangeKernel(e->q, kern, 1, NULL, &one, NULL, 0, NULL, NULL));
    cl_int got = 0;
    CHECK_OK(clEnqueueReadBuffer(e->q, out, CL_TRUE, 0, sizeof got, &got, 0, NULL, NULL));
    CHECK_EQ(got, (cl_int)want);
    clReleaseMemObject(out);
    clReleaseKernel(kern);
    clReleaseProgram(p);
}

int main(void) {
    env_t e = {0};
    if (!env_init(&e, 0)) return 1;
    sixty_four_scalars(&e);
    max_parameter_size(&e);
    env_release(&e);
    return finish("many_args");
}
