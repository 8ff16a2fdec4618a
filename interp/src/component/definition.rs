//! Components (Explainer, "Component Definitions"): decoding and validation
//! with wasmparser, recording each definition in index-space order so that
//! instantiation can replay them.

use super::canonical::streams::EndKind;
use std::collections::HashSet;
use std::sync::Arc;

use wasmparser::component_types::{ComponentAnyTypeId, ComponentEntityType};
use wasmparser::types::{Types, TypesRef};
use wasmparser::{
    BinaryReaderError, CanonicalFunction, CanonicalOption, ComponentAlias, ComponentExternalKind,
    ComponentOuterAliasKind, ComponentType, ComponentTypeRef, Encoding, ExternalKind, Instance,
    InstantiationArgKind, Parser, Payload, ValidPayload, Validator,
};

use super::canonical::abi::{MAX_ELEM_SIZE, PtrType, elem_size};
use super::convert::TypeConverter;
use crate::config::Engine;
use crate::error::{Error, Result};
use crate::module::Module;

/// A decoded and validated component; cheap to clone and instantiate many
/// times.
#[derive(Clone, Debug)]
pub struct Component {
    pub(crate) def: Arc<ComponentDef>,
}

/// The sorts of component-level items (`ComponentExternalKind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Sort {
    Module,
    Func,
    Value,
    Type,
    Instance,
    Component,
}

impl Sort {
    fn from_kind(k: ComponentExternalKind) -> Sort {
        match k {
            ComponentExternalKind::Module => Sort::Module,
            ComponentExternalKind::Func => Sort::Func,
            ComponentExternalKind::Value => Sort::Value,
            ComponentExternalKind::Type => Sort::Type,
            ComponentExternalKind::Instance => Sort::Instance,
            ComponentExternalKind::Component => Sort::Component,
        }
    }

    fn from_type_ref(t: &ComponentTypeRef) -> Sort {
        match t {
            ComponentTypeRef::Module(_) => Sort::Module,
            ComponentTypeRef::Func(_) => Sort::Func,
            ComponentTypeRef::Value(_) => Sort::Value,
            ComponentTypeRef::Type(_) => Sort::Type,
            ComponentTypeRef::Instance(_) => Sort::Instance,
            ComponentTypeRef::Component(_) => Sort::Component,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Sort::Module => "core module",
            Sort::Func => "func",
            Sort::Value => "value",
            Sort::Type => "type",
            Sort::Instance => "instance",
            Sort::Component => "component",
        }
    }
}

/// The sorts of core items a component handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CoreSort {
    Func,
    Table,
    Memory,
    Global,
    Tag,
}

impl CoreSort {
    fn from_kind(k: ExternalKind) -> CoreSort {
        match k {
            ExternalKind::Func | ExternalKind::FuncExact => CoreSort::Func,
            ExternalKind::Table => CoreSort::Table,
            ExternalKind::Memory => CoreSort::Memory,
            ExternalKind::Global => CoreSort::Global,
            ExternalKind::Tag => CoreSort::Tag,
        }
    }
}

/// What an outer alias may capture from an enclosing component at run time
/// (types are static: validation forbids outer aliases of resources across
/// a component boundary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum OuterKind {
    Module,
    Component,
}

/// A reference from inside a component to an item of an enclosing one:
/// `levels` up from the component (1 is its parent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct OuterRef {
    pub(crate) levels: u32,
    pub(crate) kind: OuterKind,
    pub(crate) index: u32,
}

/// The `canon` definitions, with what instantiation needs of each.
#[derive(Clone, Debug)]
pub(crate) enum Canon {
    Lift {
        core_func: u32,
        type_index: u32,
        options: Vec<CanonicalOption>,
    },
    Lower {
        func: u32,
        options: Vec<CanonicalOption>,
    },
    ResourceNew(u32),
    ResourceDrop(u32),
    ResourceRep(u32),
    /// `context.get` of a slot; `true` for a 64-bit slot.
    ContextGet(u32, bool),
    /// `context.set` of a slot (its argument's core type is the slot's).
    ContextSet(u32),
    BackpressureInc,
    BackpressureDec,
    TaskReturn {
        result: Option<wasmparser::ComponentValType>,
        options: Vec<CanonicalOption>,
    },
    TaskCancel,
    ThreadIndex,
    /// A 🔀 built-in of the async ABI that cmref implements.
    Async(AsyncCanon),
    /// A built-in that needs the async ABI; `checks_may_leave` says whether
    /// the spec starts it with `trap_if(not inst.may_leave)`.
    Builtin {
        name: &'static str,
        checks_may_leave: bool,
    },
}

/// The 🔀 and 🧵 built-ins cmref runs, with their immediates.
#[derive(Clone, Debug)]
pub(crate) enum AsyncCanon {
    ThreadYield {
        cancellable: bool,
    },
    ThreadSuspend {
        cancellable: bool,
    },
    SubtaskDrop,
    SubtaskCancel {
        async_: bool,
    },
    WaitableSetNew,
    WaitableSetWait {
        cancellable: bool,
        memory: u32,
    },
    WaitableSetPoll {
        cancellable: bool,
        memory: u32,
    },
    WaitableSetDrop,
    WaitableJoin,
    ThreadNewIndirect {
        table: u32,
    },
    ErrorContextNew {
        options: Vec<CanonicalOption>,
    },
    ErrorContextDebugMessage {
        options: Vec<CanonicalOption>,
    },
    ErrorContextDrop,
    ThreadResumeLater,
    /// `thread.{suspend,yield}-then-{resume,promote}`.
    ThreadSwitch {
        cancellable: bool,
        yield_: bool,
        promote: bool,
    },
    /// `stream.new` / `future.new` of the type at `ty`.
    New {
        ty: u32,
        future: bool,
    },
    /// `{stream,future}.{read,write}`.
    Copy {
        ty: u32,
        kind: EndKind,
        options: Vec<CanonicalOption>,
    },
    /// `{stream,future}.cancel-{read,write}`.
    CancelCopy {
        ty: u32,
        kind: EndKind,
        async_: bool,
    },
    /// `{stream,future}.drop-{readable,writable}`.
    Drop {
        ty: u32,
        kind: EndKind,
    },
}

fn copy(ty: u32, kind: EndKind, options: &[CanonicalOption]) -> Canon {
    Canon::Async(AsyncCanon::Copy {
        ty,
        kind,
        options: options.to_vec(),
    })
}

fn switch(cancellable: bool, yield_: bool, promote: bool) -> Canon {
    Canon::Async(AsyncCanon::ThreadSwitch {
        cancellable,
        yield_,
        promote,
    })
}

fn cancel(ty: u32, kind: EndKind, async_: bool) -> Canon {
    Canon::Async(AsyncCanon::CancelCopy { ty, kind, async_ })
}

/// One definition of a component, in binary order: each adds items to one
/// index space (or, for exports, records an export too).
#[derive(Clone, Debug)]
pub(crate) enum Init {
    Import {
        name: String,
        sort: Sort,
    },
    Export {
        name: String,
        sort: Sort,
        index: u32,
    },
    CoreModule(Module),
    Component(Arc<ComponentDef>),
    CoreInstantiate {
        module: u32,
        args: Vec<(String, u32)>,
    },
    CoreInstanceFromExports(Vec<(String, CoreSort, u32)>),
    Instantiate {
        component: u32,
        args: Vec<(String, Sort, u32)>,
    },
    InstanceFromExports(Vec<(String, Sort, u32)>),
    AliasExport {
        sort: Sort,
        instance: u32,
        name: String,
    },
    AliasCoreExport {
        sort: CoreSort,
        instance: u32,
        name: String,
    },
    AliasOuter {
        kind: ComponentOuterAliasKind,
        count: u32,
        index: u32,
    },
    /// A type definition; resource types have a destructor index (`Some(None)`
    /// for a resource without one).
    Type {
        resource_dtor: Option<Option<u32>>,
    },
    CoreType,
    Canon(Canon),
    Start,
}

/// A component's definitions and wasmparser's view of its types.
pub(crate) struct ComponentDef {
    pub(crate) engine: Engine,
    pub(crate) types: Types,
    pub(crate) inits: Vec<Init>,
    /// Outer aliases (of modules and components) reaching out of this
    /// component, captured when it is defined at run time.
    pub(crate) free_outer: Vec<OuterRef>,
    pub(crate) imports: Vec<String>,
    pub(crate) exports: Vec<String>,
}

impl std::fmt::Debug for ComponentDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComponentDef")
            .field("imports", &self.imports)
            .field("exports", &self.exports)
            .finish_non_exhaustive()
    }
}

impl ComponentDef {
    pub(crate) fn types(&self) -> TypesRef<'_> {
        self.types.as_ref()
    }
}

fn malformed(e: BinaryReaderError) -> Error {
    Error::Malformed(format!("{} (at offset 0x{:x})", e.message(), e.offset()))
}

fn invalid(e: BinaryReaderError) -> Error {
    Error::Invalid(format!("{} (at offset 0x{:x})", e.message(), e.offset()))
}

/// A component being decoded.
#[derive(Default)]
struct Builder {
    inits: Vec<Init>,
    free_outer: Vec<OuterRef>,
    imports: Vec<String>,
    exports: Vec<String>,
}

/// What the payloads being parsed belong to.
enum Frame {
    Component(Builder),
    /// A nested core module, already compiled from its bytes; its payloads
    /// only go through the validator.
    Module,
}

fn canonical_builtin(f: &CanonicalFunction) -> Option<(&'static str, bool)> {
    use CanonicalFunction as C;
    Some(match f {
        C::Lift { .. }
        | C::Lower { .. }
        | C::ResourceNew { .. }
        | C::ResourceDrop { .. }
        | C::ResourceRep { .. } => {
            return None;
        }
        C::ThreadSpawnRef { .. } => ("thread.spawn-ref", true),
        C::ThreadSpawnIndirect { .. } => ("thread.spawn-indirect", true),
        C::ThreadAvailableParallelism => ("thread.available-parallelism", true),
        C::BackpressureInc => ("backpressure.inc", false),
        C::BackpressureDec => ("backpressure.dec", false),
        C::TaskReturn { .. } => ("task.return", true),
        C::TaskCancel => ("task.cancel", true),
        C::ContextGet { .. } => ("context.get", false),
        C::ContextSet { .. } => ("context.set", false),
        C::ThreadYield { .. } => ("thread.yield", true),
        C::SubtaskDrop => ("subtask.drop", true),
        C::SubtaskCancel { .. } => ("subtask.cancel", true),
        C::StreamNew { .. } => ("stream.new", true),
        C::StreamRead { .. } => ("stream.read", true),
        C::StreamWrite { .. } => ("stream.write", true),
        C::StreamCancelRead { .. } => ("stream.cancel-read", true),
        C::StreamCancelWrite { .. } => ("stream.cancel-write", true),
        C::StreamDropReadable { .. } => ("stream.drop-readable", true),
        C::StreamDropWritable { .. } => ("stream.drop-writable", true),
        C::FutureNew { .. } => ("future.new", true),
        C::FutureRead { .. } => ("future.read", true),
        C::FutureWrite { .. } => ("future.write", true),
        C::FutureCancelRead { .. } => ("future.cancel-read", true),
        C::FutureCancelWrite { .. } => ("future.cancel-write", true),
        C::FutureDropReadable { .. } => ("future.drop-readable", true),
        C::FutureDropWritable { .. } => ("future.drop-writable", true),
        C::ErrorContextNew { .. } => ("error-context.new", true),
        C::ErrorContextDebugMessage { .. } => ("error-context.debug-message", true),
        C::ErrorContextDrop => ("error-context.drop", true),
        C::WaitableSetNew => ("waitable-set.new", true),
        C::WaitableSetWait { .. } => ("waitable-set.wait", true),
        C::WaitableSetPoll { .. } => ("waitable-set.poll", true),
        C::WaitableSetDrop => ("waitable-set.drop", true),
        C::WaitableJoin => ("waitable.join", true),
        C::ThreadIndex => ("thread.index", true),
        C::ThreadNewIndirect { .. } => ("thread.new-indirect", true),
        C::ThreadResumeLater => ("thread.resume-later", true),
        C::ThreadSuspend { .. } => ("thread.suspend", true),
        C::ThreadSuspendThenResume { .. } => ("thread.suspend-then-resume", true),
        C::ThreadYieldThenResume { .. } => ("thread.yield-then-resume", true),
        C::ThreadSuspendThenPromote { .. } => ("thread.suspend-then-promote", true),
        C::ThreadYieldThenPromote { .. } => ("thread.yield-then-promote", true),
    })
}

impl Builder {
    /// Records what a (validated) section defines.
    fn section(&mut self, payload: &Payload<'_>) -> Result<()> {
        match payload {
            Payload::ComponentImportSection(reader) => {
                for import in reader.clone() {
                    let import = import.map_err(malformed)?;
                    let name = import.name.name.to_string();
                    self.imports.push(name.clone());
                    self.inits.push(Init::Import {
                        name,
                        sort: Sort::from_type_ref(&import.ty),
                    });
                }
            }
            Payload::ComponentExportSection(reader) => {
                for export in reader.clone() {
                    let export = export.map_err(malformed)?;
                    let name = export.name.name.to_string();
                    self.exports.push(name.clone());
                    self.inits.push(Init::Export {
                        name,
                        sort: Sort::from_kind(export.kind),
                        index: export.index,
                    });
                }
            }
            Payload::InstanceSection(reader) => {
                for instance in reader.clone() {
                    match instance.map_err(malformed)? {
                        Instance::Instantiate { module_index, args } => {
                            let args = args
                                .iter()
                                .map(|a| {
                                    let InstantiationArgKind::Instance = a.kind;
                                    (a.name.to_string(), a.index)
                                })
                                .collect();
                            self.inits.push(Init::CoreInstantiate {
                                module: module_index,
                                args,
                            });
                        }
                        Instance::FromExports(exports) => {
                            let exports = exports
                                .iter()
                                .map(|e| (e.name.to_string(), CoreSort::from_kind(e.kind), e.index))
                                .collect();
                            self.inits.push(Init::CoreInstanceFromExports(exports));
                        }
                    }
                }
            }
            Payload::ComponentInstanceSection(reader) => {
                for instance in reader.clone() {
                    match instance.map_err(malformed)? {
                        wasmparser::ComponentInstance::Instantiate {
                            component_index,
                            args,
                        } => {
                            let args = args
                                .iter()
                                .map(|a| (a.name.to_string(), Sort::from_kind(a.kind), a.index))
                                .collect();
                            self.inits.push(Init::Instantiate {
                                component: component_index,
                                args,
                            });
                        }
                        wasmparser::ComponentInstance::FromExports(exports) => {
                            let exports = exports
                                .iter()
                                .map(|e| {
                                    (e.name.name.to_string(), Sort::from_kind(e.kind), e.index)
                                })
                                .collect();
                            self.inits.push(Init::InstanceFromExports(exports));
                        }
                    }
                }
            }
            Payload::ComponentAliasSection(reader) => {
                for alias in reader.clone() {
                    match alias.map_err(malformed)? {
                        ComponentAlias::InstanceExport {
                            kind,
                            instance_index,
                            name,
                        } => self.inits.push(Init::AliasExport {
                            sort: Sort::from_kind(kind),
                            instance: instance_index,
                            name: name.to_string(),
                        }),
                        ComponentAlias::CoreInstanceExport {
                            kind,
                            instance_index,
                            name,
                        } => self.inits.push(Init::AliasCoreExport {
                            sort: CoreSort::from_kind(kind),
                            instance: instance_index,
                            name: name.to_string(),
                        }),
                        ComponentAlias::Outer { kind, count, index } => {
                            let outer_kind = match kind {
                                ComponentOuterAliasKind::CoreModule => Some(OuterKind::Module),
                                ComponentOuterAliasKind::Component => Some(OuterKind::Component),
                                _ => None,
                            };
                            if let Some(kind) = outer_kind
                                && count > 0
                            {
                                let r = OuterRef {
                                    levels: count,
                                    kind,
                                    index,
                                };
                                if !self.free_outer.contains(&r) {
                                    self.free_outer.push(r);
                                }
                            }
                            self.inits.push(Init::AliasOuter { kind, count, index });
                        }
                    }
                }
            }
            Payload::ComponentTypeSection(reader) => {
                for ty in reader.clone() {
                    let resource_dtor = match ty.map_err(malformed)? {
                        ComponentType::Resource { dtor, .. } => Some(dtor),
                        _ => None,
                    };
                    self.inits.push(Init::Type { resource_dtor });
                }
            }
            Payload::CoreTypeSection(reader) => {
                for ty in reader.clone() {
                    ty.map_err(malformed)?;
                    self.inits.push(Init::CoreType);
                }
            }
            Payload::ComponentCanonicalSection(reader) => {
                for f in reader.clone() {
                    let f = f.map_err(malformed)?;
                    let canon = match &f {
                        CanonicalFunction::Lift {
                            core_func_index,
                            type_index,
                            options,
                        } => Canon::Lift {
                            core_func: *core_func_index,
                            type_index: *type_index,
                            options: options.to_vec(),
                        },
                        CanonicalFunction::Lower {
                            func_index,
                            options,
                        } => Canon::Lower {
                            func: *func_index,
                            options: options.to_vec(),
                        },
                        CanonicalFunction::ResourceNew { resource } => {
                            Canon::ResourceNew(*resource)
                        }
                        CanonicalFunction::ResourceDrop { resource } => {
                            Canon::ResourceDrop(*resource)
                        }
                        CanonicalFunction::ResourceRep { resource } => {
                            Canon::ResourceRep(*resource)
                        }
                        CanonicalFunction::ContextGet { slot, ty } => {
                            Canon::ContextGet(*slot, *ty == wasmparser::ValType::I64)
                        }
                        CanonicalFunction::ContextSet { slot, .. } => Canon::ContextSet(*slot),
                        CanonicalFunction::BackpressureInc => Canon::BackpressureInc,
                        CanonicalFunction::BackpressureDec => Canon::BackpressureDec,
                        CanonicalFunction::TaskReturn { result, options } => Canon::TaskReturn {
                            result: *result,
                            options: options.to_vec(),
                        },
                        CanonicalFunction::TaskCancel => Canon::TaskCancel,
                        CanonicalFunction::ThreadIndex => Canon::ThreadIndex,
                        CanonicalFunction::ThreadYield { cancellable } => {
                            Canon::Async(AsyncCanon::ThreadYield {
                                cancellable: *cancellable,
                            })
                        }
                        CanonicalFunction::ThreadSuspend { cancellable } => {
                            Canon::Async(AsyncCanon::ThreadSuspend {
                                cancellable: *cancellable,
                            })
                        }
                        CanonicalFunction::SubtaskDrop => Canon::Async(AsyncCanon::SubtaskDrop),
                        CanonicalFunction::SubtaskCancel { async_ } => {
                            Canon::Async(AsyncCanon::SubtaskCancel { async_: *async_ })
                        }
                        CanonicalFunction::WaitableSetNew => {
                            Canon::Async(AsyncCanon::WaitableSetNew)
                        }
                        CanonicalFunction::WaitableSetWait {
                            cancellable,
                            memory,
                        } => Canon::Async(AsyncCanon::WaitableSetWait {
                            cancellable: *cancellable,
                            memory: *memory,
                        }),
                        CanonicalFunction::WaitableSetPoll {
                            cancellable,
                            memory,
                        } => Canon::Async(AsyncCanon::WaitableSetPoll {
                            cancellable: *cancellable,
                            memory: *memory,
                        }),
                        CanonicalFunction::WaitableSetDrop => {
                            Canon::Async(AsyncCanon::WaitableSetDrop)
                        }
                        CanonicalFunction::WaitableJoin => Canon::Async(AsyncCanon::WaitableJoin),
                        CanonicalFunction::ThreadNewIndirect { table_index, .. } => {
                            Canon::Async(AsyncCanon::ThreadNewIndirect {
                                table: *table_index,
                            })
                        }
                        CanonicalFunction::ErrorContextNew { options } => {
                            Canon::Async(AsyncCanon::ErrorContextNew {
                                options: options.to_vec(),
                            })
                        }
                        CanonicalFunction::ErrorContextDebugMessage { options } => {
                            Canon::Async(AsyncCanon::ErrorContextDebugMessage {
                                options: options.to_vec(),
                            })
                        }
                        CanonicalFunction::ErrorContextDrop => {
                            Canon::Async(AsyncCanon::ErrorContextDrop)
                        }
                        CanonicalFunction::ThreadResumeLater => {
                            Canon::Async(AsyncCanon::ThreadResumeLater)
                        }
                        CanonicalFunction::ThreadSuspendThenResume { cancellable } => {
                            switch(*cancellable, false, false)
                        }
                        CanonicalFunction::ThreadYieldThenResume { cancellable } => {
                            switch(*cancellable, true, false)
                        }
                        CanonicalFunction::ThreadSuspendThenPromote { cancellable } => {
                            switch(*cancellable, false, true)
                        }
                        CanonicalFunction::ThreadYieldThenPromote { cancellable } => {
                            switch(*cancellable, true, true)
                        }
                        CanonicalFunction::StreamNew { ty } => Canon::Async(AsyncCanon::New {
                            ty: *ty,
                            future: false,
                        }),
                        CanonicalFunction::FutureNew { ty } => Canon::Async(AsyncCanon::New {
                            ty: *ty,
                            future: true,
                        }),
                        CanonicalFunction::StreamRead { ty, options } => {
                            copy(*ty, EndKind::ReadableStream, options)
                        }
                        CanonicalFunction::StreamWrite { ty, options } => {
                            copy(*ty, EndKind::WritableStream, options)
                        }
                        CanonicalFunction::FutureRead { ty, options } => {
                            copy(*ty, EndKind::ReadableFuture, options)
                        }
                        CanonicalFunction::FutureWrite { ty, options } => {
                            copy(*ty, EndKind::WritableFuture, options)
                        }
                        CanonicalFunction::StreamCancelRead { ty, async_ } => {
                            cancel(*ty, EndKind::ReadableStream, *async_)
                        }
                        CanonicalFunction::StreamCancelWrite { ty, async_ } => {
                            cancel(*ty, EndKind::WritableStream, *async_)
                        }
                        CanonicalFunction::FutureCancelRead { ty, async_ } => {
                            cancel(*ty, EndKind::ReadableFuture, *async_)
                        }
                        CanonicalFunction::FutureCancelWrite { ty, async_ } => {
                            cancel(*ty, EndKind::WritableFuture, *async_)
                        }
                        CanonicalFunction::StreamDropReadable { ty } => {
                            Canon::Async(AsyncCanon::Drop {
                                ty: *ty,
                                kind: EndKind::ReadableStream,
                            })
                        }
                        CanonicalFunction::StreamDropWritable { ty } => {
                            Canon::Async(AsyncCanon::Drop {
                                ty: *ty,
                                kind: EndKind::WritableStream,
                            })
                        }
                        CanonicalFunction::FutureDropReadable { ty } => {
                            Canon::Async(AsyncCanon::Drop {
                                ty: *ty,
                                kind: EndKind::ReadableFuture,
                            })
                        }
                        CanonicalFunction::FutureDropWritable { ty } => {
                            Canon::Async(AsyncCanon::Drop {
                                ty: *ty,
                                kind: EndKind::WritableFuture,
                            })
                        }
                        other => {
                            let (name, checks_may_leave) = canonical_builtin(other)
                                .ok_or_else(|| Error::Unsupported(format!("{other:?}")))?;
                            Canon::Builtin {
                                name,
                                checks_may_leave,
                            }
                        }
                    };
                    self.inits.push(Init::Canon(canon));
                }
            }
            Payload::ComponentStartSection { .. } => self.inits.push(Init::Start),
            _ => {}
        }
        Ok(())
    }

    fn finish(self, engine: &Engine, types: Types) -> Result<ComponentDef> {
        check_value_type_sizes(types.as_ref())?;
        Ok(ComponentDef {
            engine: engine.clone(),
            types,
            inits: self.inits,
            free_outer: self.free_outer,
            imports: self.imports,
            exports: self.exports,
        })
    }
}

/// The validation rule of CanonicalABI.md "Element Size", which wasmparser
/// 0.257.1 does not check: every value type a component defines has
/// `elem_size(t, 'i64') < 2^28`. It is checked with the spec's `elem_size`
/// on the component's types (its type index space, with the types inside
/// function, instance and component types).
fn check_value_type_sizes(types: TypesRef<'_>) -> Result<()> {
    let mut conv = TypeConverter::for_validation(types);
    let mut seen = HashSet::new();
    let mut pending: Vec<ComponentAnyTypeId> = (0..types.component_type_count())
        .map(|i| types.component_any_type_at(i))
        .collect();
    let check = |conv: &mut TypeConverter<'_>,
                 t: &wasmparser::component_types::ComponentValType|
     -> Result<()> {
        let t = conv.valtype(t)?;
        let size = elem_size(&t, PtrType::I64);
        if size >= MAX_ELEM_SIZE {
            return Err(Error::Invalid(format!(
                "type `{t}` exceeds maximum byte size: elem_size(t, 'i64') = {size} is not below 2^28"
            )));
        }
        Ok(())
    };
    let entity = |e: &ComponentEntityType, pending: &mut Vec<ComponentAnyTypeId>| match e {
        ComponentEntityType::Func(f) => pending.push(ComponentAnyTypeId::Func(*f)),
        ComponentEntityType::Type { referenced, .. } => pending.push(*referenced),
        ComponentEntityType::Instance(i) => pending.push(ComponentAnyTypeId::Instance(*i)),
        ComponentEntityType::Component(c) => pending.push(ComponentAnyTypeId::Component(*c)),
        _ => {}
    };
    while let Some(id) = pending.pop() {
        if !seen.insert(id) {
            continue;
        }
        match id {
            ComponentAnyTypeId::Defined(d) => {
                check(
                    &mut conv,
                    &wasmparser::component_types::ComponentValType::Type(d),
                )?;
            }
            ComponentAnyTypeId::Func(f) => {
                let ft = &types[f];
                for (_, t) in ft.params.iter() {
                    check(&mut conv, t)?;
                }
                if let Some(t) = &ft.result {
                    check(&mut conv, t)?;
                }
            }
            ComponentAnyTypeId::Instance(i) => {
                for item in types[i].exports.values() {
                    entity(&item.ty, &mut pending);
                }
            }
            ComponentAnyTypeId::Component(c) => {
                for item in types[c].imports.values().chain(types[c].exports.values()) {
                    entity(&item.ty, &mut pending);
                }
            }
            ComponentAnyTypeId::Resource(_) => {}
        }
    }
    Ok(())
}

impl Component {
    /// Decodes and validates a component binary. The engine's features must
    /// include the component model (see [`super::features`]).
    pub fn new(engine: &Engine, bytes: &[u8]) -> Result<Component> {
        let features = engine.config().features;
        let max_nesting = engine.config().max_component_nesting as usize;
        let mut validator = Validator::new_with_features(features);
        let mut parser = Parser::new(0);
        parser.set_features(features);
        let mut stack: Vec<Frame> = Vec::new();
        let mut done: Option<ComponentDef> = None;
        for payload in parser.parse_all(bytes) {
            let payload = payload.map_err(malformed)?;
            let valid = validator.payload(&payload).map_err(invalid)?;
            if done.is_some() {
                return Err(Error::Malformed(
                    "data after the end of the component".into(),
                ));
            }
            match &payload {
                Payload::Version { encoding, .. } => {
                    if stack.is_empty() {
                        if *encoding != Encoding::Component {
                            return Err(Error::Malformed(
                                "expected a component, found a core module".into(),
                            ));
                        }
                        stack.push(Frame::Component(Builder::default()));
                    }
                    continue;
                }
                Payload::ModuleSection {
                    unchecked_range, ..
                } => {
                    let module_bytes = bytes
                        .get(unchecked_range.start as usize..unchecked_range.end as usize)
                        .ok_or_else(|| Error::Malformed("module section out of bounds".into()))?;
                    // A component header where a module belongs is a
                    // decoding error of the component (the module decoder
                    // would call it an unsupported input).
                    if module_bytes.get(4..8).is_some_and(|v| v != [1, 0, 0, 0]) {
                        return Err(Error::Malformed(
                            "expected a version header for a module".into(),
                        ));
                    }
                    let module = Module::new(engine, module_bytes)?;
                    if let Some(Frame::Component(b)) = stack.last_mut() {
                        b.inits.push(Init::CoreModule(module));
                    }
                    stack.push(Frame::Module);
                    continue;
                }
                Payload::ComponentSection { .. } => {
                    if stack.len() >= max_nesting {
                        return Err(Error::Limit(format!(
                            "components nested deeper than {max_nesting}"
                        )));
                    }
                    stack.push(Frame::Component(Builder::default()));
                    continue;
                }
                Payload::End(_) => {
                    match stack.pop() {
                        Some(Frame::Module) | None => {}
                        Some(Frame::Component(b)) => {
                            let ValidPayload::End(types) = valid else {
                                return Err(Error::Malformed(
                                    "unexpected end of a component".into(),
                                ));
                            };
                            let def = b.finish(engine, types)?;
                            match stack.last_mut() {
                                Some(Frame::Component(parent)) => {
                                    for r in &def.free_outer {
                                        if r.levels > 1 {
                                            let up = OuterRef {
                                                levels: r.levels - 1,
                                                ..*r
                                            };
                                            if !parent.free_outer.contains(&up) {
                                                parent.free_outer.push(up);
                                            }
                                        }
                                    }
                                    parent.inits.push(Init::Component(Arc::new(def)));
                                }
                                _ => done = Some(def),
                            }
                        }
                    }
                    continue;
                }
                _ => {}
            }
            if let Some(Frame::Component(b)) = stack.last_mut() {
                b.section(&payload)?;
            }
        }
        match done {
            Some(def) => Ok(Component { def: Arc::new(def) }),
            None => Err(Error::Malformed("unexpected end of the component".into())),
        }
    }

    /// The names of the component's imports, in order.
    pub fn import_names(&self) -> &[String] {
        &self.def.imports
    }

    /// The names of the component's exports, in order.
    pub fn export_names(&self) -> &[String] {
        &self.def.exports
    }

    pub fn engine(&self) -> &Engine {
        &self.def.engine
    }
}
