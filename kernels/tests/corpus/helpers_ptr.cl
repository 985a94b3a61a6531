inline float sum3(__global const float* p) { return p[0] + p[1] + *(p + 2); }
void swap(float* a, float* b) { float t = *a; *a = *b; *b = t; }
int clampi(int x, int lo, int hi) { return x < lo ? lo : (x > hi ? hi : x); }

__kernel void helpers(__global const float* in, __global float* out, int n)
{
    int i = get_global_id(0);
    __global const float* base = in + clampi(i - 1, 0, n - 3);
    float x = sum3(base);
    float y = (float)i;
    if (x < y) swap(&x, &y);
    float acc[4] = {x, y, 0, 0};
    acc[2] = acc[0] - acc[1];
    out[i] = acc[2];
}
