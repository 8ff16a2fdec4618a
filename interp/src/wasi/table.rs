//! The host's side of WASI resources: each handle a guest holds names a
//! `rep`, which indexes this table; the resource type's destructor frees
//! the slot.

/// A slab of resources, with a bound on how many live at once.
#[derive(Debug)]
pub(crate) struct Table<T> {
    slots: Vec<Option<T>>,
    free: Vec<u32>,
    max: usize,
}

impl<T> Table<T> {
    pub(crate) fn new(max: usize) -> Table<T> {
        Table {
            slots: Vec::new(),
            free: Vec::new(),
            max,
        }
    }

    /// Adds a resource and returns its rep; `None` when the table is full.
    pub(crate) fn push(&mut self, value: T) -> Option<u32> {
        if let Some(i) = self.free.pop() {
            self.slots[i as usize] = Some(value);
            return Some(i);
        }
        if self.slots.len() >= self.max {
            return None;
        }
        self.slots.push(Some(value));
        u32::try_from(self.slots.len() - 1).ok()
    }

    pub(crate) fn get(&self, rep: u32) -> Option<&T> {
        self.slots.get(rep as usize)?.as_ref()
    }

    pub(crate) fn get_mut(&mut self, rep: u32) -> Option<&mut T> {
        self.slots.get_mut(rep as usize)?.as_mut()
    }

    pub(crate) fn remove(&mut self, rep: u32) -> Option<T> {
        let v = self.slots.get_mut(rep as usize)?.take()?;
        self.free.push(rep);
        Some(v)
    }

    /// How many resources are live.
    pub(crate) fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn slots_are_reused_and_bounded() {
        let mut t = Table::new(2);
        let a = t.push("a").unwrap();
        let b = t.push("b").unwrap();
        assert_eq!(t.push("c"), None);
        assert_eq!(t.remove(a), Some("a"));
        assert_eq!(t.remove(a), None);
        assert_eq!(t.get(b), Some(&"b"));
        assert_eq!(t.push("d"), Some(a));
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(99), None);
    }
}
