//! CanonicalABI.md, "Resource State": handles and resource types. (Lifting
//! and lowering handles is in `load`/`storing`, the `resource.*` built-ins
//! in `canon`, as in the spec.)

use std::sync::Arc;

use crate::component::store::{InstanceId, TaskId};
use crate::component::types::ResourceType;
use crate::error::Trap;
use crate::runtime::store::Store;
use crate::trace::Event;
use crate::values::Func as CoreFunc;

/// `definitions.py::ResourceHandle`.
#[derive(Clone, Debug)]
pub(crate) struct ResourceHandle {
    pub(crate) rt: ResourceType,
    pub(crate) rep: u32,
    pub(crate) own: bool,
    pub(crate) borrow_scope: Option<TaskId>,
    pub(crate) num_lends: u32,
}

impl ResourceHandle {
    /// `ResourceHandle.__init__`.
    pub(crate) fn new(
        rt: ResourceType,
        rep: u32,
        own: bool,
        borrow_scope: Option<TaskId>,
    ) -> ResourceHandle {
        ResourceHandle {
            rt,
            rep,
            own,
            borrow_scope,
            num_lends: 0,
        }
    }
}

/// What a slot of `ComponentInstance.handles` holds: resource handles,
/// and the async ABI's subtasks and waitable sets (the objects themselves
/// live in the store's arenas; the handle names them).
#[derive(Clone, Debug)]
pub(crate) enum HandleElem {
    Resource(ResourceHandle),
    Subtask(crate::component::store::SubtaskId),
    WaitableSet(crate::component::store::WsetId),
    End(crate::component::store::EndId),
    ErrorContext(crate::component::values::ErrorContext),
}

impl HandleElem {
    /// `trap_if(not isinstance(h, ResourceHandle))`.
    pub(crate) fn resource(&self, i: u32) -> Result<&ResourceHandle, crate::error::Error> {
        match self {
            HandleElem::Resource(h) => Ok(h),
            _ => super::trap(format!("handle index {i} is not a resource handle")),
        }
    }

    /// `trap_if(not isinstance(h, ResourceHandle))`, mutably.
    pub(crate) fn resource_mut(
        &mut self,
        i: u32,
    ) -> Result<&mut ResourceHandle, crate::error::Error> {
        match self {
            HandleElem::Resource(h) => Ok(h),
            _ => super::trap(format!("handle index {i} is not a resource handle")),
        }
    }
}

impl HandleElem {
    /// How the trace names what a handle holds.
    pub(crate) fn trace_kind(&self, store: &Store) -> String {
        match self {
            HandleElem::Resource(h) => format!(
                "{}<{}> rep {}",
                if h.own { "own" } else { "borrow" },
                h.rt,
                h.rep
            ),
            HandleElem::Subtask(s) => format!("subtask {}", s.0),
            HandleElem::WaitableSet(w) => format!("waitable-set {}", w.0),
            HandleElem::End(e) => super::streams::trace_end(store, *e),
            HandleElem::ErrorContext(_) => "error-context".into(),
        }
    }
}

/// `inst.handles.add(h)`, bounded by `Config::max_table_elements` too,
/// and traced (`handle.add`).
pub(crate) fn add_handle_elem(
    store: &mut Store,
    inst: InstanceId,
    h: HandleElem,
) -> Result<u32, crate::error::Error> {
    let limit = store.engine.config().max_table_elements;
    let kind = store.tracing().then(|| h.trace_kind(store));
    let i = store.component.inst_mut(inst)?.handles.add(h, limit)?;
    if let Some(kind) = kind {
        store.trace(|_| {
            Event::new("handle.add")
                .num("inst", inst.0)
                .num("index", i)
                .str("holds", &kind)
        });
    }
    Ok(i)
}

/// `inst.handles.remove(i)`, traced (`handle.remove`).
pub(crate) fn remove_handle_elem(
    store: &mut Store,
    inst: InstanceId,
    i: u32,
) -> Result<HandleElem, crate::error::Error> {
    let h = store.component.inst_mut(inst)?.handles.remove(i)?;
    store.trace(|store| {
        Event::new("handle.remove")
            .num("inst", inst.0)
            .num("index", i)
            .str("holds", &h.trace_kind(store))
    });
    Ok(h)
}

/// A host destructor: called with the rep of a dropped owned handle.
pub type HostDtor = dyn Fn(&mut Store, u32) -> Result<(), Trap> + Send + Sync;

/// A resource type's destructor (`ResourceType.dtor`).
#[derive(Clone)]
pub(crate) enum Dtor {
    None,
    /// A core function of the implementing instance, `(func (param i32))`.
    Core(CoreFunc),
    Host(Arc<HostDtor>),
}

impl std::fmt::Debug for Dtor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dtor::None => f.write_str("None"),
            Dtor::Core(func) => write!(f, "Core({func:?})"),
            Dtor::Host(_) => f.write_str("Host(..)"),
        }
    }
}

/// `definitions.py::ResourceType`: the implementing instance (`None` for a
/// resource the host implements) and the destructor.
#[derive(Clone, Debug)]
pub(crate) struct ResourceTypeInst {
    pub(crate) impl_: Option<InstanceId>,
    pub(crate) dtor: Dtor,
    /// How to name it in messages.
    pub(crate) name: String,
}

/// Describes a resource type for a trap message.
pub(crate) fn describe(store: &Store, rt: ResourceType) -> String {
    match store.component.resource_types.get(rt.0 as usize) {
        Some(r) => format!("{rt} ({})", r.name),
        None => rt.to_string(),
    }
}
