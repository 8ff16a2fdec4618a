//! Atomic memory instructions (threads proposal): loads, stores,
//! read-modify-writes, compare-exchange, `memory.atomic.wait32/64` and
//! `memory.atomic.notify`.
//!
//! A store runs its threads by interleaving, one instruction at a time, so
//! an atomic access is an ordinary access that is never torn and is
//! sequentially consistent for free. What remains is the spec's checks, in
//! its order: the effective address must be a multiple of the access size
//! ("unaligned atomic"), then within bounds. Waiting is bookkeeping in the
//! store's [`crate::runtime::waiters::Waiters`]; the interpreter loop
//! suspends the thread when a wait must block.

use crate::error::TrapKind;
use crate::exec::instr::MemArgEx;
use crate::runtime::store::Store;
use crate::runtime::waiters::WaiterId;

/// The operation of an atomic read-modify-write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RmwOp {
    Add,
    Sub,
    And,
    Or,
    Xor,
    Xchg,
}

impl RmwOp {
    /// The value written back, from the old value and the operand (the
    /// caller wraps it to the access size).
    fn apply(self, old: u64, operand: u64) -> u64 {
        match self {
            RmwOp::Add => old.wrapping_add(operand),
            RmwOp::Sub => old.wrapping_sub(operand),
            RmwOp::And => old & operand,
            RmwOp::Or => old | operand,
            RmwOp::Xor => old ^ operand,
            RmwOp::Xchg => operand,
        }
    }
}

/// The bits an access of `size` bytes keeps of a value (`wrap` in the spec).
fn mask(size: u64) -> u64 {
    if size >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * size)) - 1
    }
}

/// The effective address of an atomic access of `size` bytes at
/// `addr + offset` in a memory of `len` bytes: a misaligned address traps
/// first, then an out-of-bounds one (the sum is exact, even for 64-bit
/// addresses near the top of the range).
#[inline]
pub(crate) fn effective(addr: u64, offset: u64, size: u64, len: u64) -> Result<usize, TrapKind> {
    in_bounds(aligned(addr, offset, size)?, size, len)
}

/// The exact effective address `addr + offset`, if it is a multiple of
/// `size`.
fn aligned(addr: u64, offset: u64, size: u64) -> Result<u128, TrapKind> {
    let ea = addr as u128 + offset as u128;
    if ea.is_multiple_of(size as u128) {
        Ok(ea)
    } else {
        Err(TrapKind::UnalignedAtomic)
    }
}

/// `ea` as an index, if `size` bytes from it lie in a memory of `len` bytes.
fn in_bounds(ea: u128, size: u64, len: u64) -> Result<usize, TrapKind> {
    if ea + size as u128 > len as u128 {
        return Err(TrapKind::OutOfBoundsMemoryAccess);
    }
    Ok(ea as usize)
}

fn read(data: &[u8], at: usize, size: u64) -> u64 {
    let mut bytes = [0u8; 8];
    bytes[..size as usize].copy_from_slice(&data[at..at + size as usize]);
    u64::from_le_bytes(bytes)
}

fn write(data: &mut [u8], at: usize, size: u64, value: u64) {
    data[at..at + size as usize].copy_from_slice(&value.to_le_bytes()[..size as usize]);
}

/// The bytes of memory `m.memory` of instance `inst`, and where in them an
/// atomic access of `size` bytes at `addr + m.offset` starts.
fn locate(
    store: &mut Store,
    inst: u32,
    m: MemArgEx,
    size: u64,
    addr: u64,
) -> Result<(&mut [u8], usize), TrapKind> {
    let maddr = store.instances[inst as usize].memories[m.memory as usize];
    let data = &mut store.memories[maddr as usize].data;
    let at = effective(addr, m.offset, size, data.len() as u64)?;
    Ok((data, at))
}

/// `t.atomic.load{N}_u`: the zero-extended value.
#[inline(never)]
pub(crate) fn load(
    store: &mut Store,
    inst: u32,
    m: MemArgEx,
    size: u64,
    addr: u64,
) -> Result<u64, TrapKind> {
    let (data, at) = locate(store, inst, m, size, addr)?;
    Ok(read(data, at, size))
}

/// `t.atomic.store{N}`: stores the low `size` bytes of `value`.
#[inline(never)]
pub(crate) fn store(
    store: &mut Store,
    inst: u32,
    m: MemArgEx,
    size: u64,
    addr: u64,
    value: u64,
) -> Result<(), TrapKind> {
    let (data, at) = locate(store, inst, m, size, addr)?;
    write(data, at, size, value);
    Ok(())
}

/// `t.atomic.rmw{N}.op_u`: writes `op(old, operand)` and returns the old
/// value, zero-extended.
#[inline(never)]
pub(crate) fn rmw(
    store: &mut Store,
    inst: u32,
    m: MemArgEx,
    op: RmwOp,
    size: u64,
    addr: u64,
    operand: u64,
) -> Result<u64, TrapKind> {
    let (data, at) = locate(store, inst, m, size, addr)?;
    let old = read(data, at, size);
    write(data, at, size, op.apply(old, operand) & mask(size));
    Ok(old)
}

/// `t.atomic.rmw{N}.cmpxchg_u`: replaces the value when it equals
/// `expected` wrapped to the access size; returns the old value.
#[inline(never)]
pub(crate) fn cmpxchg(
    store: &mut Store,
    inst: u32,
    m: MemArgEx,
    size: u64,
    addr: u64,
    expected: u64,
    replacement: u64,
) -> Result<u64, TrapKind> {
    let (data, at) = locate(store, inst, m, size, addr)?;
    let old = read(data, at, size);
    if old == expected & mask(size) {
        write(data, at, size, replacement & mask(size));
    }
    Ok(old)
}

/// `memory.atomic.notify`: wakes up to `count` threads waiting on the
/// address and returns how many it woke (always 0 for an unshared memory,
/// which nothing can wait on).
#[inline(never)]
pub(crate) fn notify(
    store: &mut Store,
    inst: u32,
    m: MemArgEx,
    addr: u64,
    count: u32,
) -> Result<u32, TrapKind> {
    let maddr = store.instances[inst as usize].memories[m.memory as usize];
    let mem = &store.memories[maddr as usize];
    let ea = effective(addr, m.offset, 4, mem.data.len() as u64)? as u64;
    if !mem.ty.shared {
        return Ok(0);
    }
    Ok(store.waiters.notify(maddr, ea, count))
}

/// `memory.atomic.wait{32,64}`: `Ok(None)` when the value differs from
/// `expected` (the instruction returns 1, "not-equal"); otherwise registers
/// the thread as a waiter and returns its id, and the caller suspends it.
#[inline(never)]
pub(crate) fn wait(
    store: &mut Store,
    inst: u32,
    m: MemArgEx,
    size: u64,
    addr: u64,
    expected: u64,
    timeout: i64,
) -> Result<Option<WaiterId>, TrapKind> {
    let maddr = store.instances[inst as usize].memories[m.memory as usize];
    let mem = &store.memories[maddr as usize];
    // The spec's order: alignment, then sharedness, then bounds.
    let ea = aligned(addr, m.offset, size)?;
    if !mem.ty.shared {
        return Err(TrapKind::ExpectedSharedMemory);
    }
    let at = in_bounds(ea, size, mem.data.len() as u64)?;
    if read(&mem.data, at, size) != expected & mask(size) {
        return Ok(None);
    }
    Ok(Some(store.waiters.register(maddr, at as u64, timeout)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_is_checked_before_bounds() {
        assert_eq!(effective(1, 0, 4, 0), Err(TrapKind::UnalignedAtomic));
        assert_eq!(
            effective(4, 0, 4, 4),
            Err(TrapKind::OutOfBoundsMemoryAccess)
        );
        assert_eq!(effective(0, 4, 4, 8), Ok(4));
        assert_eq!(effective(3, 0, 1, 4), Ok(3), "bytes are always aligned");
        // The sum of a 64-bit address and offset does not wrap around.
        assert_eq!(
            effective(u64::MAX - 7, 8, 8, u64::MAX),
            Err(TrapKind::OutOfBoundsMemoryAccess)
        );
    }

    #[test]
    fn rmw_results_wrap_to_the_access_size() {
        assert_eq!(RmwOp::Add.apply(0xff, 1) & mask(1), 0);
        assert_eq!(RmwOp::Sub.apply(0, 1) & mask(2), 0xffff);
        assert_eq!(RmwOp::Xchg.apply(5, 0x1_0000_0007) & mask(4), 7);
        assert_eq!(RmwOp::And.apply(0b1100, 0b1010), 0b1000);
        assert_eq!(RmwOp::Or.apply(0b1100, 0b1010), 0b1110);
        assert_eq!(RmwOp::Xor.apply(0b1100, 0b1010), 0b0110);
        assert_eq!(mask(8), u64::MAX);
    }
}
