#define MAD(a, x, y) ((a) * (x) + (y))
__kernel void saxpy(const float alpha, __global const float* x, __global float* y)
{
    int i = get_global_id(0);
    y[i] = MAD(alpha, x[i], y[i]);
}
