typedef struct {
    float scale;
    int offset;
    float4 bias;
    uint count;
} Params;

__kernel void apply(Params p, __global float4* data)
{
    uint i = get_global_id(0);
    if (i >= p.count) return;
    data[i] = data[i] * p.scale + p.bias + (float)p.offset;
}
