// One compare-exchange pass of a bitonic sort network; the host enqueues it
// log2(n) * (log2(n) + 1) / 2 times with different (stage, pass) by-value arguments.
__kernel void bitonic_step(__global int* data, uint stage, uint pass_of_stage, uint ascending)
{
    uint i = get_global_id(0);
    uint dist = 1u << (stage - pass_of_stage);
    uint block = 1u << stage;
    uint left = (i % dist) + (i / dist) * 2 * dist;
    uint right = left + dist;
    bool up = ((left / (2 * block)) % 2 == 0) == (ascending != 0);
    int a = data[left];
    int b = data[right];
    if ((a > b) == up) {
        data[left] = b;
        data[right] = a;
    }
}
