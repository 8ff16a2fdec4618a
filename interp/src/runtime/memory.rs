//! Memory instances: a byte vector with limits.

use wasmparser::MemoryType;

use crate::error::Error;
use crate::nondet::Nondet;

#[derive(Debug)]
pub(crate) struct MemoryInst {
    pub(crate) ty: MemoryType,
    pub(crate) data: Vec<u8>,
    /// Page size in bytes (64 KiB unless the custom-page-sizes proposal says otherwise).
    pub(crate) page_size: u64,
    /// The largest size in pages this memory may reach: the type's maximum,
    /// the index type's range and the configured byte limit, whichever is least.
    pub(crate) max_pages: u64,
}

impl MemoryInst {
    pub(crate) fn new(ty: MemoryType, max_bytes: u64) -> Result<MemoryInst, Error> {
        let page_size = 1u64 << ty.page_size_log2.unwrap_or(16);
        let index_limit_pages = if ty.memory64 {
            u64::MAX / page_size
        } else {
            (1u64 << 32) / page_size
        };
        let max_pages = ty
            .maximum
            .unwrap_or(u64::MAX)
            .min(index_limit_pages)
            .min(max_bytes / page_size);
        if ty.initial > max_pages {
            return Err(Error::Limit(format!(
                "memory of {} pages exceeds the limit of {} pages ({} bytes)",
                ty.initial, max_pages, max_bytes
            )));
        }
        let len = ty.initial * page_size;
        Ok(MemoryInst {
            ty,
            data: alloc_zeroed(len)?,
            page_size,
            max_pages,
        })
    }

    pub(crate) fn pages(&self) -> u64 {
        self.data.len() as u64 / self.page_size
    }

    /// `memory.grow`: the old size in pages, or `None` (the instruction's -1).
    pub(crate) fn grow(&mut self, delta: u64, nondet: &mut Nondet) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > self.max_pages {
            return None;
        }
        if delta == 0 {
            return Some(old);
        }
        if nondet.grow_fails() {
            return None;
        }
        let mut bigger = alloc_zeroed(new * self.page_size).ok()?;
        bigger[..self.data.len()].copy_from_slice(&self.data);
        self.data = bigger;
        Some(old)
    }
}

/// A zeroed buffer. It comes from `alloc_zeroed`, so the pages of a large
/// memory are only touched when the guest uses them, and allocation failure
/// is an error rather than an abort.
fn alloc_zeroed(len: u64) -> Result<Vec<u8>, Error> {
    let len = usize::try_from(len)
        .map_err(|_| Error::Limit("memory larger than the address space".into()))?;
    if len == 0 {
        return Ok(Vec::new());
    }
    let layout = std::alloc::Layout::array::<u8>(len)
        .map_err(|_| Error::Limit(format!("cannot allocate {len} bytes of linear memory")))?;
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        return Err(Error::Limit(format!(
            "cannot allocate {len} bytes of linear memory"
        )));
    }
    // SAFETY: `ptr` was allocated by the global allocator with the layout of a
    // `[u8; len]`, and all `len` bytes are initialised (zeroed).
    Ok(unsafe { Vec::from_raw_parts(ptr, len, len) })
}
