//! Table instances: a vector of references with limits.

use wasmparser::TableType;

use crate::error::{Error, TrapKind};
use crate::nondet::Nondet;
use crate::types::RefTy;

#[derive(Debug)]
pub(crate) struct TableInst {
    pub(crate) ty: TableType,
    /// The canonical element type.
    pub(crate) elem: RefTy,
    pub(crate) elements: Vec<u64>,
    /// The largest size this table may reach (type maximum, index range and
    /// configured limit, whichever is least).
    pub(crate) max: u64,
}

impl TableInst {
    pub(crate) fn new(
        ty: TableType,
        elem: RefTy,
        init: u64,
        max_elements: u64,
    ) -> Result<TableInst, Error> {
        let index_limit = if ty.table64 {
            u64::MAX
        } else {
            u32::MAX as u64
        };
        let max = ty
            .maximum
            .unwrap_or(u64::MAX)
            .min(index_limit)
            .min(max_elements);
        if ty.initial > max {
            return Err(Error::Limit(format!(
                "table of {} elements exceeds the limit of {max} elements",
                ty.initial
            )));
        }
        let mut elements = Vec::new();
        elements
            .try_reserve_exact(ty.initial as usize)
            .map_err(|_| Error::Limit("cannot allocate table".into()))?;
        elements.resize(ty.initial as usize, init);
        Ok(TableInst {
            ty,
            elem,
            elements,
            max,
        })
    }

    pub(crate) fn size(&self) -> u64 {
        self.elements.len() as u64
    }

    /// `table.grow`: the old size, or `None` (the instruction's -1).
    pub(crate) fn grow(&mut self, delta: u64, init: u64, nondet: &mut Nondet) -> Option<u64> {
        let old = self.size();
        let new = old.checked_add(delta)?;
        if new > self.max {
            return None;
        }
        if delta == 0 {
            return Some(old);
        }
        if nondet.grow_fails() {
            return None;
        }
        self.elements.try_reserve(delta as usize).ok()?;
        self.elements.resize(new as usize, init);
        Some(old)
    }

    #[inline]
    pub(crate) fn get(&self, index: u64) -> Result<u64, TrapKind> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.elements.get(i).copied())
            .ok_or(TrapKind::OutOfBoundsTableAccess)
    }

    #[inline]
    pub(crate) fn set(&mut self, index: u64, value: u64) -> Result<(), TrapKind> {
        let slot = usize::try_from(index)
            .ok()
            .and_then(|i| self.elements.get_mut(i))
            .ok_or(TrapKind::OutOfBoundsTableAccess)?;
        *slot = value;
        Ok(())
    }

    /// The element range `[start, start + len)` if it is in bounds.
    pub(crate) fn range(&self, start: u64, len: u64) -> Result<std::ops::Range<usize>, TrapKind> {
        let end = start
            .checked_add(len)
            .filter(|end| *end <= self.size())
            .ok_or(TrapKind::OutOfBoundsTableAccess)?;
        Ok(start as usize..end as usize)
    }
}
