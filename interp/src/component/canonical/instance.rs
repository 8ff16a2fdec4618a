//! CanonicalABI.md, "Component Instances": the runtime state of a component
//! instance and the rules for entering and leaving it.

use super::resources::HandleElem;
use super::table::Table;
use super::trap;
use crate::component::store::{ComponentStore, InstanceId, ThreadId};
use crate::error::Error;

/// `definitions.py::ComponentInstance`.
#[derive(Debug)]
pub(crate) struct ComponentInstance {
    pub(crate) parent: Option<InstanceId>,
    pub(crate) handles: Table<HandleElem>,
    pub(crate) threads: Table<ThreadId>,
    pub(crate) may_enter: bool,
    pub(crate) may_leave: bool,
    pub(crate) backpressure: u32,
    pub(crate) num_waiting_to_enter: u32,
    pub(crate) exclusive_thread: Option<ThreadId>,
}

impl ComponentInstance {
    /// `ComponentInstance.__init__`.
    pub(crate) fn new(parent: Option<InstanceId>) -> ComponentInstance {
        ComponentInstance {
            parent,
            handles: Table::new("handle"),
            threads: Table::new("thread"),
            may_enter: true,
            may_leave: true,
            backpressure: 0,
            num_waiting_to_enter: 0,
            exclusive_thread: None,
        }
    }
}

/// Implements `ComponentInstance.self_and_ancestors`.
pub(crate) fn self_and_ancestors(
    cs: &ComponentStore,
    inst: InstanceId,
) -> Result<Vec<InstanceId>, Error> {
    let mut s = vec![inst];
    let mut ancestor = cs.inst(inst)?.parent;
    while let Some(a) = ancestor {
        s.push(a);
        ancestor = cs.inst(a)?.parent;
    }
    Ok(s)
}

/// Implements `ComponentInstance.entering_set`.
pub(crate) fn entering_set(
    cs: &ComponentStore,
    inst: InstanceId,
    caller: Option<InstanceId>,
) -> Result<Vec<InstanceId>, Error> {
    let mut s = self_and_ancestors(cs, inst)?;
    if let Some(caller) = caller {
        let held = self_and_ancestors(cs, caller)?;
        s.retain(|i| !held.contains(i));
    }
    Ok(s)
}

/// Implements `ComponentInstance.may_enter_from`.
pub(crate) fn may_enter_from(
    cs: &ComponentStore,
    inst: InstanceId,
    caller: Option<InstanceId>,
) -> Result<bool, Error> {
    for i in entering_set(cs, inst, caller)? {
        if !cs.inst(i)?.may_enter {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Implements `ComponentInstance.enter_from`.
pub(crate) fn enter_from(
    cs: &mut ComponentStore,
    inst: InstanceId,
    caller: Option<InstanceId>,
) -> Result<(), Error> {
    for i in entering_set(cs, inst, caller)? {
        cs.inst_mut(i)?.may_enter = false;
    }
    Ok(())
}

/// Implements `ComponentInstance.leave_to`.
pub(crate) fn leave_to(
    cs: &mut ComponentStore,
    inst: InstanceId,
    caller: Option<InstanceId>,
) -> Result<(), Error> {
    for i in entering_set(cs, inst, caller)? {
        cs.inst_mut(i)?.may_enter = true;
    }
    Ok(())
}

/// The `trap_if(not inst.may_leave)` that guards every import call and
/// built-in.
pub(crate) fn check_may_leave(cs: &ComponentStore, inst: InstanceId) -> Result<(), Error> {
    if cs.inst(inst)?.may_leave {
        Ok(())
    } else {
        trap(
            "cannot leave component instance (`may_leave` is false: post-return, realloc or a destructor is running)",
        )
    }
}
