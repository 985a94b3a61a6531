// Run with a global size that is not a multiple of the local size: padding work-items
// must not write.
__kernel void fill_index(__global int* out)
{
    int i = get_global_id(0);
    out[i] = i * 3 + (int)get_global_size(0);
}
