/* vm: a small register-machine bytecode interpreter.
 * Measures what interpreters themselves do: a dispatch loop over a
 * switch (br_table), register-file loads/stores, unpredictable branches,
 * and indirect calls through a function table (call_indirect).
 * The guest program runs n outer iterations of 500 inner steps of an
 * LCG that scatters into a 1024-word guest memory. */
#include "bench.h"

enum {
    OP_HALT,
    OP_LI,     /* r[a] = imm */
    OP_ADD,    /* r[a] = r[b] + r[c] */
    OP_MUL,    /* r[a] = r[b] * r[c] */
    OP_XOR,    /* r[a] = r[b] ^ r[c] */
    OP_SHRI,   /* r[a] = r[b] >> imm */
    OP_ANDI,   /* r[a] = r[b] & imm */
    OP_LD,     /* r[a] = mem[r[b]] */
    OP_ST,     /* mem[r[a]] = r[b] */
    OP_NAT,    /* r[a] = natives[r[c] & 3](r[a], r[b]) */
    OP_DECJNZ, /* if (--r[a] != 0) pc = imm */
};

typedef struct {
    u8 op, a, b, c;
    i32 imm;
} insn;

/* Not const: the compiler must not specialise the interpreter for it. */
static insn program[] = {
    {OP_LI, 6, 0, 0, 1103515245}, /* 0: multiplier */
    {OP_LI, 7, 0, 0, 12345},      /* 1: increment */
    {OP_LI, 1, 0, 0, 1},          /* 2: state */
    {OP_LI, 5, 0, 0, 0},          /* 3: accumulator */
    {OP_LI, 2, 0, 0, 500},        /* 4: outer: inner count */
    {OP_MUL, 1, 1, 6, 0},         /* 5: inner: state = state*mul + inc */
    {OP_ADD, 1, 1, 7, 0},         /* 6 */
    {OP_SHRI, 3, 1, 0, 16},       /* 7: r3 = state >> 16 */
    {OP_ANDI, 4, 3, 0, 1023},     /* 8: r4 = slot */
    {OP_LD, 8, 4, 0, 0},          /* 9 */
    {OP_ADD, 8, 8, 3, 0},         /* 10 */
    {OP_ST, 4, 8, 0, 0},          /* 11: mem[slot] += r3 */
    {OP_XOR, 5, 5, 8, 0},         /* 12 */
    {OP_NAT, 5, 3, 1, 0},         /* 13: r5 = native[state&3](r5, r3) */
    {OP_DECJNZ, 2, 0, 0, 5},      /* 14 */
    {OP_DECJNZ, 0, 0, 0, 4},      /* 15 */
    {OP_HALT, 0, 0, 0, 0},        /* 16 */
};

static NOINLINE u32 nat_rotl(u32 x, u32 y) { return (x << (y & 31)) | (x >> ((32 - y) & 31)); }
static NOINLINE u32 nat_madd(u32 x, u32 y) { return x * 33u + y; }
static NOINLINE u32 nat_xsh(u32 x, u32 y) { return x ^ (x >> 7) ^ (y << 3); }
static NOINLINE u32 nat_sub(u32 x, u32 y) { return x - y - 1u; }

static u32 (*natives[4])(u32, u32) = {nat_rotl, nat_madd, nat_xsh, nat_sub};

static u32 mem[1024];

static u32 execute(u32 r[16]) {
    u32 pc = 0;
    for (;;) {
        const insn *in = &program[pc++];
        switch (in->op) {
        case OP_HALT: return r[5];
        case OP_LI: r[in->a] = (u32)in->imm; break;
        case OP_ADD: r[in->a] = r[in->b] + r[in->c]; break;
        case OP_MUL: r[in->a] = r[in->b] * r[in->c]; break;
        case OP_XOR: r[in->a] = r[in->b] ^ r[in->c]; break;
        case OP_SHRI: r[in->a] = r[in->b] >> (in->imm & 31); break;
        case OP_ANDI: r[in->a] = r[in->b] & (u32)in->imm; break;
        case OP_LD: r[in->a] = mem[r[in->b] & 1023]; break;
        case OP_ST: mem[r[in->a] & 1023] = r[in->b]; break;
        case OP_NAT: r[in->a] = natives[r[in->c] & 3](r[in->a], r[in->b]); break;
        case OP_DECJNZ:
            if (--r[in->a] != 0)
                pc = (u32)in->imm;
            break;
        default: __builtin_trap();
        }
    }
}

EXPORT("run") i64 run(i32 n) {
    if (n <= 0)
        return 0;
    for (u32 i = 0; i < 1024; i++)
        mem[i] = 0;
    u32 r[16] = {0};
    r[0] = (u32)n;
    u64 acc = execute(r);
    for (u32 i = 0; i < 1024; i++)
        acc = mix64(acc, mem[i]);
    return (i64)acc;
}
