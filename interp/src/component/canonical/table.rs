//! CanonicalABI.md, "Table State": the per-instance tables that `i32`
//! handles and thread indices index into.

use super::{trap, trap_if};
use crate::error::Error;

/// `definitions.py::Table`: slot 0 is never used, freed slots are reused
/// last-freed first (the spec makes the order normative).
#[derive(Debug)]
pub(crate) struct Table<T> {
    array: Vec<Option<T>>,
    free: Vec<u32>,
    /// What the indices name, for trap messages ("handle", "thread").
    what: &'static str,
}

impl<T> Table<T> {
    /// `Table.MAX_LENGTH`.
    pub(crate) const MAX_LENGTH: u32 = (1 << 28) - 1;

    pub(crate) fn new(what: &'static str) -> Table<T> {
        Table {
            array: vec![None],
            free: Vec::new(),
            what,
        }
    }

    /// The live elements with their indices (`Table.__iter__`).
    #[allow(dead_code)] // used by the async ABI
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.array
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.as_ref().map(|e| (i as u32, e)))
    }

    /// `Table.get`.
    pub(crate) fn get(&self, i: u32) -> Result<&T, Error> {
        match self.array.get(i as usize) {
            Some(Some(e)) => Ok(e),
            _ => trap(format!("unknown {} index {i}", self.what)),
        }
    }

    pub(crate) fn get_mut(&mut self, i: u32) -> Result<&mut T, Error> {
        let what = self.what;
        match self.array.get_mut(i as usize) {
            Some(Some(e)) => Ok(e),
            _ => trap(format!("unknown {what} index {i}")),
        }
    }

    /// `Table.add`. `limit` is the configured bound on table elements, which
    /// cmref applies on top of `MAX_LENGTH`.
    pub(crate) fn add(&mut self, e: T, limit: u64) -> Result<u32, Error> {
        if let Some(i) = self.free.pop() {
            self.array[i as usize] = Some(e);
            return Ok(i);
        }
        let i = self.array.len() as u64;
        trap_if(
            i > Self::MAX_LENGTH as u64,
            &format!("{} table is full ({} entries)", self.what, Self::MAX_LENGTH),
        )?;
        if i > limit {
            return Err(Error::Limit(format!(
                "{} table exceeds the configured limit of {limit} elements",
                self.what
            )));
        }
        self.array.push(Some(e));
        Ok(i as u32)
    }

    /// `Table.remove`.
    pub(crate) fn remove(&mut self, i: u32) -> Result<T, Error> {
        self.get(i)?;
        let e = self.array[i as usize].take();
        self.free.push(i);
        e.ok_or_else(|| super::super::store::internal("table slot vanished"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_start_at_one_and_freed_ones_are_reused_last_first() {
        let mut t = Table::new("handle");
        assert_eq!(t.add('a', u64::MAX).unwrap(), 1);
        assert_eq!(t.add('b', u64::MAX).unwrap(), 2);
        assert_eq!(t.add('c', u64::MAX).unwrap(), 3);
        assert_eq!(t.remove(1).unwrap(), 'a');
        assert_eq!(t.remove(3).unwrap(), 'c');
        assert_eq!(t.add('d', u64::MAX).unwrap(), 3);
        assert_eq!(t.add('e', u64::MAX).unwrap(), 1);
        assert_eq!(t.add('f', u64::MAX).unwrap(), 4);
        assert_eq!(*t.get(2).unwrap(), 'b');
    }

    #[test]
    fn unknown_indices_trap_with_the_index() {
        let mut t: Table<u8> = Table::new("handle");
        for i in [0, 1, u32::MAX] {
            let e = t.get(i).unwrap_err();
            assert!(
                e.to_string().contains(&format!("unknown handle index {i}")),
                "{e}"
            );
        }
        t.add(7, u64::MAX).unwrap();
        t.remove(1).unwrap();
        assert!(t.remove(1).is_err());
    }

    #[test]
    fn the_configured_limit_is_an_error_not_a_crash() {
        let mut t = Table::new("handle");
        t.add(1u8, 1).unwrap();
        assert!(matches!(t.add(2u8, 1), Err(Error::Limit(_))));
    }
}
