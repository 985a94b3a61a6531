/* printf in kernels: the text a kernel prints (stdout captured into a file with dup2) equals
 * what the host's snprintf prints for the same formats and values: integers with flags,
 * widths and precisions, %c, %s of string literals, floats (%f %e %g %a, promoted to double),
 * 64-bit integers, vectors (comma-separated), printf's return value, and the output of two
 * commands in command order once clFinish returns. */
#include "common.h"
#include <stdarg.h>
#include <unistd.h>

static const char *SRC =
    "__kernel void one(__global int* ret, int i, uint u, float f, long l, uchar c) {\n"
    "    ret[0] = printf(\"i=%d|%5d|%-5d|%05d|%+d|% d|%.3d u=%u x=%x X=%#X o=%#o c=%c\\n\", i, i, i, i, i, i, i, u, u, u, u, c);\n"
    "    ret[1] = printf(\"s=%s|%5s|%-5s|%.2s|\" \"joined %%\\n\", \"lit\", \"ab\", \"ab\", \"xyz\");\n"
    "    printf(\"f=%f|%8.3f|%-10.2f|%+.1f e=%e|%.2E g=%g|%G a=%a|%.3A\\n\", f, f, f, f, f, f, f, f, f, f);\n"
    "    printf(\"l=%ld lu=%lu lx=%lx hh=%hhd h=%hd\\n\", l, l, l, i, i);\n"
    "    printf(\"v=%v4hld|%#v2hlx|%5.1v2hlf|%v2ld\\n\", (int4)(i, -i, 3, 4), (uint2)(u, 255), (float2)(f, -f), (long2)(l, 7));\n"
    "}\n"
    "__kernel void two(int k) { printf(\"second command %d\\n\", k); }\n";

static char expected[4096];

static void expect(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t n = strlen(expected);
    vsnprintf(expected + n, sizeof expected - n, fmt, ap);
    va_end(ap);
}

int main(void) {
    cl_platform_id p = wgcl_platform();
    CHECK(p != NULL);
    if (!p) return 1;
    cl_device_id d = first_device(p);
    cl_int err;
    cl_context ctx = clCreateContext(NULL, 1, &d, NULL, NULL, &err);
    CHECK_OK(err);
    cl_command_queue q = clCreateCommandQueue(ctx, d, 0, &err);
    CHECK_OK(err);
    size_t psize = 0;
    CHECK_OK(clGetDeviceInfo(d, CL_DEVICE_PRINTF_BUFFER_SIZE, sizeof psize, &psize, NULL));
    CHECK(psize >= 1024 * 1024);

    cl_program prog = clCreateProgramWithSource(ctx, 1, &SRC, NULL, &err);
    CHECK_OK(err);
    err = clBuildProgram(prog, 1, &d, NULL, NULL, NULL);
    if (err != CL_SUCCESS) {
        char log[8192] = {0};
        clGetProgramBuildInfo(prog, d, CL_PROGRAM_BUILD_LOG, sizeof log, log, NULL);
        fprintf(stderr, "build failed:\n%s\n", log);
        CHECK_OK(err);
        return 1;
    }
    cl_kernel one = clCreateKernel(prog, "one", &err);
    CHECK_OK(err);
    cl_kernel two = clCreateKernel(prog, "two", &err);
    CHECK_OK(err);
    cl_int ret[2] = {7, 7};
    cl_mem rbuf = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof ret, ret, &err);
    CHECK_OK(err);
    cl_int i = -1234;
    cl_uint u = 3000000000u;
    cl_float f = 3.14159f;
    cl_long l = -5000000000LL;
    cl_uchar c = 'Q';
    cl_int k = 42;
    CHECK_OK(clSetKernelArg(one, 0, sizeof rbuf, &rbuf));
    CHECK_OK(clSetKernelArg(one, 1, sizeof i, &i));
    CHECK_OK(clSetKernelArg(one, 2, sizeof u, &u));
    CHECK_OK(clSetKernelArg(one, 3, sizeof f, &f));
    CHECK_OK(clSetKernelArg(one, 4, sizeof l, &l));
    CHECK_OK(clSetKernelArg(one, 5, sizeof c, &c));
    CHECK_OK(clSetKernelArg(two, 0, sizeof k, &k));

    /* Capture stdout (fd 1) in a temporary file while the kernels run. */
    char path[] = "/tmp/wgcl-printf-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    size_t one_item = 1;
    CHECK_OK(clEnqueueNDRangeKernel(q, one, 1, NULL, &one_item, NULL, 0, NULL, NULL));
    CHECK_OK(clEnqueueNDRangeKernel(q, two, 1, NULL, &one_item, NULL, 0, NULL, NULL));
    CHECK_OK(clFinish(q));
    fflush(stdout);
    dup2(saved, 1);
    close(saved);

    char got[4096] = {0};
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, got, sizeof got - 1);
    CHECK(n > 0);
    close(fd);
    unlink(path);

    double fd64 = f;
    expect("i=%d|%5d|%-5d|%05d|%+d|% d|%.3d u=%u x=%x X=%#X o=%#o c=%c\n", i, i, i, i, i, i, i, u, u, u, u, c);
    expect("s=%s|%5s|%-5s|%.2s|joined %%\n", "lit", "ab", "ab", "xyz");
    expect("f=%f|%8.3f|%-10.2f|%+.1f e=%e|%.2E g=%g|%G a=%a|%.3A\n", fd64, fd64, fd64, fd64, fd64, fd64, fd64, fd64, fd64, fd64);
    expect("l=%ld lu=%lu lx=%lx hh=%hhd h=%hd\n", (long)l, (unsigned long)l, (unsigned long)l, (signed char)i, (short)i);
    expect("v=%d,%d,%d,%d|%#x,%#x|%5.1f,%5.1f|%ld,%ld\n", i, -i, 3, 4, u, 255u, fd64, -fd64, (long)l, 7L);
    expect("second command %d\n", k);
    if (strcmp(got, expected) != 0) {
        failures++;
        fprintf(stderr, "printf output differs.\n--- got:\n%s--- expected:\n%s---\n", got, expected);
    }
    CHECK_OK(clEnqueueReadBuffer(q, rbuf, CL_TRUE, 0, sizeof ret, ret, 0, NULL, NULL));
    CHECK_EQ(ret[0], 0);
    CHECK_EQ(ret[1], 0);

    clReleaseMemObject(rbuf);
    clReleaseKernel(one);
    clReleaseKernel(two);
    clReleaseProgram(prog);
    clReleaseCommandQueue(q);
    clReleaseContext(ctx);
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
