//! Component instantiation (Explainer: "Instance Definitions", "Alias
//! Definitions", "Type Definitions", "Canonical Definitions", "Import and
//! Export Definitions"): replays a component's definitions in order,
//! building each index space as run-time items.
//!
//! Types stay wasmparser's, except for what is generative: every resource
//! type definition makes a fresh runtime [`ResourceType`], and every
//! resource an instance receives (by import, instantiation or alias) is
//! bound to the wasmparser `ResourceId` the component's types use for it,
//! found through the instance types' `explicit_resources` paths.

use std::collections::HashMap;
use std::sync::Arc;

use wasmparser::component_types::{
    ComponentAnyTypeId, ComponentDefinedTypeId, ComponentEntityType, ComponentInstanceType,
    ResourceId,
};
use wasmparser::types::TypesRef;
use wasmparser::{CanonicalOption, ComponentOuterAliasKind};

use super::canonical::canon::{
    canon_async_builtin, canon_backpressure_dec, canon_backpressure_inc, canon_context_get,
    canon_context_set, canon_resource_drop, canon_resource_new, canon_resource_rep,
    canon_task_cancel, canon_task_return, canon_thread_index,
};
use super::canonical::concurrency::{Callee, invoke, lower};
use super::canonical::flattening::{Context, flatten_functype};
use super::canonical::instance::ComponentInstance;
use super::canonical::options::{
    CanonicalOptions, LiftLowerOptions, LiftOptions, MemInst, StringEncoding,
};
use super::canonical::resources::{Dtor, ResourceTypeInst};
use super::convert::TypeConverter;
use super::definition::{
    AsyncCanon, Canon, ComponentDef, CoreSort, Init, OuterKind, OuterRef, Sort,
};
use super::store::{Func, FuncInst, InstanceId, internal};
use super::types::{FuncType, ResourceType, Signature, ValType};
use crate::error::{Error, Result};
use crate::module::Module;
use crate::runtime::store::Store;
use crate::runtime::{Extern, Global, Instance as CoreInstance, Memory, Table, Tag};
use crate::values::{Func as CoreFunc, Val as CoreVal};

/// A run-time item of a component-level index space.
#[derive(Clone, Debug)]
pub(crate) enum Item {
    Func(Func),
    Instance(Arc<InstanceItems>),
    Type(TypeItem),
    Component(Arc<ComponentClosure>),
    Module(Module),
}

impl Item {
    pub(crate) fn sort(&self) -> Sort {
        match self {
            Item::Func(_) => Sort::Func,
            Item::Instance(_) => Sort::Instance,
            Item::Type(_) => Sort::Type,
            Item::Component(_) => Sort::Component,
            Item::Module(_) => Sort::Module,
        }
    }
}

/// A type at run time: what is generative about it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TypeItem {
    Resource(ResourceType),
    /// Any other type: its meaning is static (wasmparser's).
    Static,
}

/// The exports of a component instance (or of a bag of exports).
#[derive(Debug, Default)]
pub(crate) struct InstanceItems {
    pub(crate) exports: Vec<(String, Item)>,
}

impl InstanceItems {
    pub(crate) fn get(&self, name: &str) -> Option<&Item> {
        self.exports.iter().find(|(n, _)| n == name).map(|(_, i)| i)
    }
}

/// A component definition with what it captured of its enclosing
/// components when it was defined ("a closure", in the Explainer's words).
#[derive(Debug)]
pub(crate) struct ComponentClosure {
    pub(crate) def: Arc<ComponentDef>,
    pub(crate) captured: HashMap<OuterRef, Item>,
}

/// A core instance: instantiated from a module, or a bag of exports.
#[derive(Clone, Debug)]
enum CoreInstanceItem {
    Instance(CoreInstance),
    Exports(Vec<(String, Extern)>),
}

impl CoreInstanceItem {
    fn get_export(&self, store: &Store, name: &str) -> Option<Extern> {
        match self {
            CoreInstanceItem::Instance(i) => i.get_export(store, name),
            CoreInstanceItem::Exports(e) => e.iter().find(|(n, _)| n == name).map(|(_, x)| *x),
        }
    }
}

/// Where the items a component imports come from.
pub(crate) trait Imports {
    /// The item for import `name` (of sort `sort`) of the instance `frame`
    /// is building.
    fn get(
        &mut self,
        store: &mut Store,
        frame: &mut Frame<'_>,
        name: &str,
        sort: Sort,
    ) -> Result<Item>;
}

/// The arguments of a nested `instantiate` (validation has typed them).
struct Args(HashMap<String, Item>);

impl Imports for Args {
    fn get(
        &mut self,
        _store: &mut Store,
        _frame: &mut Frame<'_>,
        name: &str,
        _sort: Sort,
    ) -> Result<Item> {
        self.0
            .remove(name)
            .ok_or_else(|| Error::Unlinkable(format!("missing instantiation argument `{name}`")))
    }
}

/// The index spaces of the component instance being built.
pub(crate) struct Frame<'a> {
    pub(crate) closure: &'a ComponentClosure,
    pub(crate) inst: InstanceId,
    core_funcs: Vec<CoreFunc>,
    core_tables: Vec<Table>,
    core_memories: Vec<Memory>,
    core_globals: Vec<Global>,
    core_tags: Vec<Tag>,
    core_modules: Vec<Module>,
    core_instances: Vec<CoreInstanceItem>,
    funcs: Vec<Func>,
    types: Vec<TypeItem>,
    components: Vec<Arc<ComponentClosure>>,
    instances: Vec<Arc<InstanceItems>>,
    /// The runtime resource types the component's `ResourceId`s stand for.
    pub(crate) resources: HashMap<ResourceId, ResourceType>,
    type_cache: HashMap<ComponentDefinedTypeId, ValType>,
    exports: Vec<(String, Item)>,
}

fn unsupported_values() -> Error {
    Error::Unsupported("component-level values (🪙) are not supported".into())
}

/// Instantiates a component definition (Explainer, "Instance Definitions").
pub(crate) fn instantiate(
    store: &mut Store,
    closure: &ComponentClosure,
    imports: &mut dyn Imports,
    parent: Option<InstanceId>,
) -> Result<(InstanceId, Arc<InstanceItems>)> {
    let max = store.engine.config().max_component_nesting;
    if store.component.instantiation_depth >= max {
        return Err(Error::Limit(format!(
            "component instantiations nested deeper than {max}"
        )));
    }
    store.component.instantiation_depth += 1;
    let r = instantiate_inner(store, closure, imports, parent);
    store.component.instantiation_depth -= 1;
    r
}

fn instantiate_inner(
    store: &mut Store,
    closure: &ComponentClosure,
    imports: &mut dyn Imports,
    parent: Option<InstanceId>,
) -> Result<(InstanceId, Arc<InstanceItems>)> {
    let inst = InstanceId(store.component.instances.len() as u32);
    store
        .component
        .instances
        .push(ComponentInstance::new(parent));
    let mut frame = Frame {
        closure,
        inst,
        core_funcs: Vec::new(),
        core_tables: Vec::new(),
        core_memories: Vec::new(),
        core_globals: Vec::new(),
        core_tags: Vec::new(),
        core_modules: Vec::new(),
        core_instances: Vec::new(),
        funcs: Vec::new(),
        types: Vec::new(),
        components: Vec::new(),
        instances: Vec::new(),
        resources: HashMap::new(),
        type_cache: HashMap::new(),
        exports: Vec::new(),
    };
    for init in &closure.def.inits {
        frame.init(store, imports, init)?;
    }
    let exports = std::mem::take(&mut frame.exports);
    Ok((inst, Arc::new(InstanceItems { exports })))
}

fn get<T: Clone>(space: &[T], index: u32, what: &str) -> Result<T> {
    space
        .get(index as usize)
        .cloned()
        .ok_or_else(|| internal(&format!("{what} index {index} out of range")))
}

/// The explicitly exported resource at `path` inside an instance.
fn resource_at_path<'t>(
    types: TypesRef<'t>,
    mut ity: &'t ComponentInstanceType,
    mut items: &InstanceItems,
    path: &[usize],
) -> Option<ResourceType> {
    for (k, idx) in path.iter().enumerate() {
        let (name, item_ty) = ity.exports.get_index(*idx)?;
        let item = items.get(name)?;
        if k + 1 == path.len() {
            return match item {
                Item::Type(TypeItem::Resource(rt)) => Some(*rt),
                _ => None,
            };
        }
        match (&item_ty.ty, item) {
            (ComponentEntityType::Instance(id), Item::Instance(inner)) => {
                ity = types.get(*id)?;
                items = &**inner;
            }
            _ => return None,
        }
    }
    None
}

/// The core function type of a core function index of a component.
fn core_func_type(types: TypesRef<'_>, index: u32) -> Result<wasmparser::FuncType> {
    if index >= types.function_count() {
        return Err(internal("core function index out of range"));
    }
    let id = types.core_function_at(index);
    match types.get(id).map(|t| &t.composite_type.inner) {
        Some(wasmparser::CompositeInnerType::Func(f)) => Ok(f.clone()),
        _ => Err(Error::Unsupported(
            "non-function core types (GC) in components".into(),
        )),
    }
}

impl Frame<'_> {
    fn def(&self) -> &ComponentDef {
        &self.closure.def
    }

    /// A converter of this component's types with this instance's resources.
    pub(crate) fn convert<R>(
        &mut self,
        f: impl FnOnce(&mut TypeConverter<'_>) -> Result<R>,
    ) -> Result<R> {
        let def = self.closure.def.clone();
        let cache = std::mem::take(&mut self.type_cache);
        let mut conv = TypeConverter::with_cache(def.types(), &self.resources, cache);
        let r = f(&mut conv);
        self.type_cache = conv.into_cache();
        r
    }

    /// The signature of the component function type `id`.
    pub(crate) fn signature(
        &mut self,
        id: wasmparser::component_types::ComponentFuncTypeId,
    ) -> Result<Arc<Signature>> {
        let ft = self.convert(|c| c.func_type(id))?;
        Ok(Arc::new(Signature::new(ft)))
    }

    /// The signature of function `index` of this component.
    pub(crate) fn func_signature(&mut self, index: u32) -> Result<Arc<Signature>> {
        let types = self.closure.def.types();
        if index >= types.component_function_count() {
            return Err(internal("function index out of range"));
        }
        let id = types.component_function_at(index);
        self.signature(id)
    }

    /// The type of the instance at `index`, if wasmparser knows it.
    pub(crate) fn instance_type(&self, index: u32) -> Option<&ComponentInstanceType> {
        let types = self.closure.def.types();
        if index as usize >= types.component_instance_count() as usize {
            return None;
        }
        types.get(types.component_instance_at(index))
    }

    fn item(&self, sort: Sort, index: u32) -> Result<Item> {
        Ok(match sort {
            Sort::Func => Item::Func(get(&self.funcs, index, "function")?),
            Sort::Instance => Item::Instance(get(&self.instances, index, "instance")?),
            Sort::Type => Item::Type(get(&self.types, index, "type")?),
            Sort::Component => Item::Component(get(&self.components, index, "component")?),
            Sort::Module => Item::Module(get(&self.core_modules, index, "module")?),
            Sort::Value => return Err(unsupported_values()),
        })
    }

    /// Adds an item to its index space, binding the resources it carries.
    fn push(&mut self, item: Item) -> Result<()> {
        match item {
            Item::Func(f) => self.funcs.push(f),
            Item::Module(m) => self.core_modules.push(m),
            Item::Component(c) => self.components.push(c),
            Item::Type(t) => {
                let index = self.types.len() as u32;
                self.types.push(t.clone());
                self.bind_type(index, &t);
            }
            Item::Instance(items) => {
                let index = self.instances.len() as u32;
                self.instances.push(items.clone());
                self.bind_instance(index, &items);
            }
        }
        Ok(())
    }

    /// Binds the `ResourceId` of type index `index` to its runtime type.
    fn bind_type(&mut self, index: u32, t: &TypeItem) {
        let types = self.closure.def.types();
        if index >= types.component_type_count() {
            return;
        }
        if let (ComponentAnyTypeId::Resource(id), TypeItem::Resource(rt)) =
            (types.component_any_type_at(index), t)
        {
            self.resources.insert(id.resource(), *rt);
        }
    }

    /// Binds the resources an instance explicitly exports.
    fn bind_instance(&mut self, index: u32, items: &InstanceItems) {
        let types = self.closure.def.types();
        let Some(ity) = self.instance_type(index) else {
            return;
        };
        let found: Vec<(ResourceId, ResourceType)> = ity
            .explicit_resources
            .iter()
            .filter_map(|(id, path)| Some((*id, resource_at_path(types, ity, items, path)?)))
            .collect();
        self.resources.extend(found);
    }

    /// Binds a resource the caller found for `ResourceId` `id`.
    pub(crate) fn bind_resource(&mut self, id: ResourceId, rt: ResourceType) {
        self.resources.insert(id, rt);
    }

    fn core_extern(&self, sort: CoreSort, index: u32) -> Result<Extern> {
        Ok(match sort {
            CoreSort::Func => Extern::Func(get(&self.core_funcs, index, "core function")?),
            CoreSort::Table => Extern::Table(get(&self.core_tables, index, "core table")?),
            CoreSort::Memory => Extern::Memory(get(&self.core_memories, index, "core memory")?),
            CoreSort::Global => Extern::Global(get(&self.core_globals, index, "core global")?),
            CoreSort::Tag => Extern::Tag(get(&self.core_tags, index, "core tag")?),
        })
    }

    fn push_core(&mut self, ext: Extern) {
        match ext {
            Extern::Func(f) => self.core_funcs.push(f),
            Extern::Table(t) => self.core_tables.push(t),
            Extern::Memory(m) => self.core_memories.push(m),
            Extern::Global(g) => self.core_globals.push(g),
            Extern::Tag(t) => self.core_tags.push(t),
        }
    }

    fn init(&mut self, store: &mut Store, imports: &mut dyn Imports, init: &Init) -> Result<()> {
        match init {
            Init::Import { name, sort } => {
                if *sort == Sort::Value {
                    return Err(unsupported_values());
                }
                let item = imports.get(store, self, name, *sort)?;
                if item.sort() != *sort {
                    return Err(Error::Unlinkable(format!(
                        "import `{name}` must be a {}, found a {}",
                        sort.name(),
                        item.sort().name()
                    )));
                }
                self.push(item)
            }
            Init::Export { name, sort, index } => {
                let item = self.item(*sort, *index)?;
                self.push(item.clone())?;
                self.exports.push((name.clone(), item));
                Ok(())
            }
            Init::CoreModule(m) => {
                self.core_modules.push(m.clone());
                Ok(())
            }
            Init::Component(def) => {
                let mut captured = HashMap::new();
                for r in &def.free_outer {
                    let item = if r.levels == 1 {
                        match r.kind {
                            OuterKind::Module => {
                                Item::Module(get(&self.core_modules, r.index, "module")?)
                            }
                            OuterKind::Component => {
                                Item::Component(get(&self.components, r.index, "component")?)
                            }
                        }
                    } else {
                        let up = OuterRef {
                            levels: r.levels - 1,
                            ..*r
                        };
                        self.closure
                            .captured
                            .get(&up)
                            .cloned()
                            .ok_or_else(|| internal("uncaptured outer alias"))?
                    };
                    captured.insert(*r, item);
                }
                self.components.push(Arc::new(ComponentClosure {
                    def: def.clone(),
                    captured,
                }));
                Ok(())
            }
            Init::CoreInstantiate { module, args } => {
                let module = get(&self.core_modules, *module, "module")?;
                let mut externs = Vec::new();
                for import in module.imports() {
                    let arg = args
                        .iter()
                        .find(|(n, _)| *n == import.module)
                        .ok_or_else(|| {
                            Error::Unlinkable(format!(
                                "missing core instantiation argument `{}`",
                                import.module
                            ))
                        })?;
                    let instance = get(&self.core_instances, arg.1, "core instance")?;
                    let ext = instance.get_export(store, &import.name).ok_or_else(|| {
                        Error::Unlinkable(format!(
                            "core instance `{}` has no export `{}`",
                            import.module, import.name
                        ))
                    })?;
                    externs.push(ext);
                }
                let (instance, start) =
                    CoreInstance::new_deferring_start(store, &module, &externs)?;
                self.core_instances
                    .push(CoreInstanceItem::Instance(instance));
                if let Some(start) = start {
                    self.run_start(store, start)?;
                }
                Ok(())
            }
            Init::CoreInstanceFromExports(exports) => {
                let mut items = Vec::with_capacity(exports.len());
                for (name, sort, index) in exports {
                    items.push((name.clone(), self.core_extern(*sort, *index)?));
                }
                self.core_instances.push(CoreInstanceItem::Exports(items));
                Ok(())
            }
            Init::Instantiate { component, args } => {
                let closure = get(&self.components, *component, "component")?;
                let mut map = HashMap::new();
                for (name, sort, index) in args {
                    map.insert(name.clone(), self.item(*sort, *index)?);
                }
                let (_, items) = instantiate(store, &closure, &mut Args(map), Some(self.inst))?;
                self.push(Item::Instance(items))
            }
            Init::InstanceFromExports(exports) => {
                let mut items = Vec::with_capacity(exports.len());
                for (name, sort, index) in exports {
                    items.push((name.clone(), self.item(*sort, *index)?));
                }
                self.push(Item::Instance(Arc::new(InstanceItems { exports: items })))
            }
            Init::AliasExport {
                sort,
                instance,
                name,
            } => {
                let instance = get(&self.instances, *instance, "instance")?;
                let item = instance
                    .get(name)
                    .cloned()
                    .ok_or_else(|| Error::Unlinkable(format!("instance has no export `{name}`")))?;
                if item.sort() != *sort {
                    return Err(internal("alias of an export of another sort"));
                }
                self.push(item)
            }
            Init::AliasCoreExport {
                sort,
                instance,
                name,
            } => {
                let instance = get(&self.core_instances, *instance, "core instance")?;
                let ext = instance.get_export(store, name).ok_or_else(|| {
                    Error::Unlinkable(format!("core instance has no export `{name}`"))
                })?;
                let actual = match ext {
                    Extern::Func(_) => CoreSort::Func,
                    Extern::Table(_) => CoreSort::Table,
                    Extern::Memory(_) => CoreSort::Memory,
                    Extern::Global(_) => CoreSort::Global,
                    Extern::Tag(_) => CoreSort::Tag,
                };
                if actual != *sort {
                    return Err(internal("alias of a core export of another sort"));
                }
                self.push_core(ext);
                Ok(())
            }
            Init::AliasOuter { kind, count, index } => {
                let captured = |k: OuterKind| -> Result<Item> {
                    self.closure
                        .captured
                        .get(&OuterRef {
                            levels: *count,
                            kind: k,
                            index: *index,
                        })
                        .cloned()
                        .ok_or_else(|| internal("uncaptured outer alias"))
                };
                match kind {
                    ComponentOuterAliasKind::CoreModule => {
                        let m = if *count == 0 {
                            get(&self.core_modules, *index, "module")?
                        } else {
                            match captured(OuterKind::Module)? {
                                Item::Module(m) => m,
                                _ => return Err(internal("outer module")),
                            }
                        };
                        self.core_modules.push(m);
                    }
                    ComponentOuterAliasKind::Component => {
                        let c = if *count == 0 {
                            get(&self.components, *index, "component")?
                        } else {
                            match captured(OuterKind::Component)? {
                                Item::Component(c) => c,
                                _ => return Err(internal("outer component")),
                            }
                        };
                        self.components.push(c);
                    }
                    ComponentOuterAliasKind::Type => {
                        let t = if *count == 0 {
                            get(&self.types, *index, "type")?
                        } else {
                            TypeItem::Static
                        };
                        self.push(Item::Type(t))?;
                    }
                    ComponentOuterAliasKind::CoreType => {}
                }
                Ok(())
            }
            Init::Type { resource_dtor } => {
                let item = match resource_dtor {
                    None => TypeItem::Static,
                    Some(dtor) => {
                        let dtor = match dtor {
                            Some(f) => Dtor::Core(get(&self.core_funcs, *f, "core function")?),
                            None => Dtor::None,
                        };
                        let index = self.types.len();
                        let rt = ResourceType(store.component.resource_types.len() as u32);
                        store.component.resource_types.push(ResourceTypeInst {
                            impl_: Some(self.inst),
                            dtor,
                            name: format!(
                                "defined at type index {index} of component instance {}",
                                self.inst.0
                            ),
                        });
                        TypeItem::Resource(rt)
                    }
                };
                self.push(Item::Type(item))
            }
            Init::CoreType => Ok(()),
            Init::Canon(canon) => self.canon(store, canon),
            Init::Start => Err(Error::Unsupported(
                "component start functions (they take and return component-level values, 🪙)"
                    .into(),
            )),
        }
    }

    /// Runs a core start function the way Concurrency.md ("Interaction with
    /// the start function") has it: as a synchronous lifted `func()` of the
    /// instance being built, called by the host.
    fn run_start(&mut self, store: &mut Store, start: CoreFunc) -> Result<()> {
        let f = FuncInst::Lifted {
            callee: Callee::Core(start),
            sig: Arc::new(Signature::new(FuncType::new(Vec::new(), None))),
            opts: Arc::new(CanonicalOptions::default()),
            inst: self.inst,
        };
        invoke(store, &f, Vec::new()).map(|_| ())
    }

    /// The canonical options of a `canon` definition.
    fn options(&self, store: &Store, options: &[CanonicalOption]) -> Result<CanonicalOptions> {
        let mut opts = CanonicalOptions::default();
        let mut lift = LiftOptions::default();
        let mut lift_lower = LiftLowerOptions::default();
        for o in options {
            match o {
                CanonicalOption::UTF8 => lift.string_encoding = StringEncoding::Utf8,
                CanonicalOption::UTF16 => lift.string_encoding = StringEncoding::Utf16,
                CanonicalOption::CompactUTF16 => lift.string_encoding = StringEncoding::Latin1Utf16,
                CanonicalOption::Memory(m) => {
                    lift.memory = Some(MemInst::new(
                        store,
                        get(&self.core_memories, *m, "core memory")?,
                    ))
                }
                CanonicalOption::Realloc(f) => {
                    lift_lower.realloc = Some(get(&self.core_funcs, *f, "core function")?)
                }
                CanonicalOption::PostReturn(f) => {
                    opts.post_return = Some(get(&self.core_funcs, *f, "core function")?)
                }
                CanonicalOption::Async => opts.async_ = true,
                CanonicalOption::Callback(f) => {
                    opts.callback = Some(get(&self.core_funcs, *f, "core function")?)
                }
                CanonicalOption::CoreType(_) | CanonicalOption::Gc => opts.gc = true,
            }
        }
        lift_lower.lift = lift;
        opts.lift_lower = lift_lower;
        Ok(opts)
    }

    fn resource_type_at(&self, index: u32) -> Result<ResourceType> {
        match get(&self.types, index, "type")? {
            TypeItem::Resource(rt) => Ok(rt),
            TypeItem::Static => Err(internal("resource built-in of a non-resource type")),
        }
    }

    fn canon(&mut self, store: &mut Store, canon: &Canon) -> Result<()> {
        match canon {
            Canon::Lift {
                core_func,
                type_index,
                options,
            } => {
                let callee = get(&self.core_funcs, *core_func, "core function")?;
                let types = self.closure.def.types();
                if *type_index >= types.component_type_count() {
                    return Err(internal("type index out of range"));
                }
                let ComponentAnyTypeId::Func(id) = types.component_any_type_at(*type_index) else {
                    return Err(internal("lift of a non-function type"));
                };
                let sig = self.signature(id)?;
                let opts = Arc::new(self.options(store, options)?);
                // Validation checked the core function against the lifted
                // type; `flatten_functype` must agree.
                let flat_ft = flatten_functype(&opts, &sig.ft, Context::Lift);
                let actual = store.func_type(callee)?;
                if !opts.gc && flat_ft.to_wasm() != actual {
                    return Err(internal(&format!(
                        "flatten_functype gives {}, the core function has {actual}",
                        flat_ft.to_wasm()
                    )));
                }
                let f = Func(store.component.funcs.len() as u32);
                store.component.funcs.push(FuncInst::Lifted {
                    callee: Callee::Core(callee),
                    sig,
                    opts,
                    inst: self.inst,
                });
                self.funcs.push(f);
            }
            Canon::Lower { func, options } => {
                let callee = get(&self.funcs, *func, "function")?;
                let sig = self.func_signature(*func)?;
                let opts = Arc::new(self.options(store, options)?);
                let flat_ft = flatten_functype(&opts, &sig.ft, Context::Lower);
                // wasmparser computed the same core type; a difference would
                // be a bug in one of the two flattenings.
                let expected = core_func_type(self.def().types(), self.core_funcs.len() as u32)?;
                if !opts.gc && flat_ft.to_wasm() != expected {
                    return Err(internal(&format!(
                        "flatten_functype gives {}, the validator {expected}",
                        flat_ft.to_wasm()
                    )));
                }
                let f = lower(store, callee, sig, opts, self.inst, &flat_ft);
                self.core_funcs.push(f);
            }
            Canon::ResourceNew(t) => {
                let rt = self.resource_type_at(*t)?;
                self.builtin(store, move |store, args| {
                    Ok(vec![i32_val(canon_resource_new(
                        store,
                        rt,
                        i32_arg(args)?,
                    )?)])
                })?;
            }
            Canon::ResourceDrop(t) => {
                let rt = self.resource_type_at(*t)?;
                self.builtin(store, move |store, args| {
                    canon_resource_drop(store, rt, i32_arg(args)?).map(|()| Vec::new())
                })?;
            }
            Canon::ResourceRep(t) => {
                let rt = self.resource_type_at(*t)?;
                self.builtin(store, move |store, args| {
                    Ok(vec![i32_val(canon_resource_rep(
                        store,
                        rt,
                        i32_arg(args)?,
                    )?)])
                })?;
            }
            Canon::ContextGet(slot, wide) => {
                let (slot, wide) = (*slot, *wide);
                self.builtin(store, move |store, _| {
                    let v = canon_context_get(store, slot)?;
                    Ok(vec![if wide {
                        CoreVal::I64(v as i64)
                    } else {
                        i32_val(v as u32)
                    }])
                })?;
            }
            Canon::ContextSet(slot) => {
                let slot = *slot;
                self.builtin(store, move |store, args| {
                    let v = match args {
                        [CoreVal::I32(v)] => *v as u32 as u64,
                        [CoreVal::I64(v)] => *v as u64,
                        _ => return Err(internal("context.set arguments")),
                    };
                    canon_context_set(store, slot, v).map(|()| Vec::new())
                })?;
            }
            Canon::BackpressureInc => {
                self.builtin(store, |store, _| {
                    canon_backpressure_inc(store).map(|()| Vec::new())
                })?;
            }
            Canon::BackpressureDec => {
                self.builtin(store, |store, _| {
                    canon_backpressure_dec(store).map(|()| Vec::new())
                })?;
            }
            Canon::TaskReturn { result, options } => {
                let result = match result {
                    None => None,
                    Some(wasmparser::ComponentValType::Primitive(p)) => {
                        Some(super::convert::primitive(*p))
                    }
                    Some(wasmparser::ComponentValType::Type(index)) => {
                        let types = self.closure.def.types();
                        if *index >= types.component_type_count() {
                            return Err(internal("type index out of range"));
                        }
                        let ComponentAnyTypeId::Defined(id) = types.component_any_type_at(*index)
                        else {
                            return Err(internal("task.return of a non-value type"));
                        };
                        Some(self.convert(|c| {
                            c.valtype(&wasmparser::component_types::ComponentValType::Type(id))
                        })?)
                    }
                };
                let opts = Arc::new(self.options(store, options)?);
                self.builtin(store, move |store, args| {
                    canon_task_return(store, &result, &opts, args).map(|()| Vec::new())
                })?;
            }
            Canon::TaskCancel => {
                self.builtin(store, |store, _| {
                    canon_task_cancel(store).map(|()| Vec::new())
                })?;
            }
            Canon::ThreadIndex => {
                self.builtin(store, |store, _| {
                    Ok(vec![i32_val(canon_thread_index(store)?)])
                })?;
            }
            Canon::Async(b) => self.async_builtin(store, b)?,
            Canon::Builtin {
                name,
                checks_may_leave,
            } => {
                let (name, checks) = (*name, *checks_may_leave);
                self.builtin(store, move |store, _| {
                    canon_async_builtin(store, name, checks)
                })?;
            }
        }
        Ok(())
    }

    /// Defines the next core function as one of the async built-ins cmref
    /// runs.
    fn async_builtin(&mut self, store: &mut Store, b: &AsyncCanon) -> Result<()> {
        use super::canonical::canon::BuiltinResult::Return;
        use super::canonical::canon_async as ca;
        use super::canonical::streams::{self, EndKind};
        let unit = |r: Result<()>| r.map(|()| Return(Vec::new()));
        match *b {
            AsyncCanon::ThreadYield { cancellable } => {
                self.builtin_blocking(store, move |s, _| ca::canon_thread_yield(s, cancellable))
            }
            AsyncCanon::ThreadSuspend { cancellable } => {
                self.builtin_blocking(store, move |s, _| ca::canon_thread_suspend(s, cancellable))
            }
            AsyncCanon::SubtaskDrop => self.builtin_blocking(store, move |s, args| {
                unit(ca::canon_subtask_drop(s, i32_arg(args)?))
            }),
            AsyncCanon::SubtaskCancel { async_ } => self.builtin_blocking(store, move |s, args| {
                ca::canon_subtask_cancel(s, async_, i32_arg(args)?)
            }),
            AsyncCanon::WaitableSetNew => self.builtin_blocking(store, |s, _| {
                Ok(Return(vec![i32_val(ca::canon_waitable_set_new(s)?)]))
            }),
            AsyncCanon::WaitableSetWait {
                cancellable,
                memory,
            } => {
                let mem = MemInst::new(store, get(&self.core_memories, memory, "core memory")?);
                self.builtin_blocking(store, move |s, args| {
                    let (si, ptr) = two_args(args)?;
                    ca::canon_waitable_set_wait(s, cancellable, mem, si, ptr)
                })
            }
            AsyncCanon::WaitableSetPoll {
                cancellable,
                memory,
            } => {
                let mem = MemInst::new(store, get(&self.core_memories, memory, "core memory")?);
                self.builtin_blocking(store, move |s, args| {
                    let (si, ptr) = two_args(args)?;
                    Ok(Return(ca::canon_waitable_set_poll(
                        s,
                        cancellable,
                        mem,
                        si,
                        ptr,
                    )?))
                })
            }
            AsyncCanon::WaitableSetDrop => self.builtin_blocking(store, move |s, args| {
                unit(ca::canon_waitable_set_drop(s, i32_arg(args)?))
            }),
            AsyncCanon::WaitableJoin => self.builtin_blocking(store, move |s, args| {
                let (wi, si) = two_args(args)?;
                unit(ca::canon_waitable_join(s, wi, si as u32))
            }),
            AsyncCanon::ThreadNewIndirect { table } => {
                let table = get(&self.core_tables, table, "core table")?;
                self.builtin_blocking(store, move |s, args| {
                    let (fi, c) = match args {
                        [CoreVal::I32(fi), c] => (*fi as u32, *c),
                        _ => return Err(internal("built-in arguments")),
                    };
                    let i = ca::canon_thread_new_indirect(s, table, fi, c)?;
                    Ok(Return(vec![i32_val(i)]))
                })
            }
            AsyncCanon::ErrorContextNew { ref options } => {
                let opts = Arc::new(self.options(store, options)?);
                self.builtin_blocking(store, move |s, args| {
                    let (ptr, units) = match args {
                        [p, u] => (ptr_arg(p)?, ptr_arg(u)?),
                        _ => return Err(internal("built-in arguments")),
                    };
                    let i = ca::canon_error_context_new(s, &opts, ptr, units)?;
                    Ok(Return(vec![i32_val(i)]))
                })
            }
            AsyncCanon::ErrorContextDebugMessage { ref options } => {
                let opts = Arc::new(self.options(store, options)?);
                self.builtin_blocking(store, move |s, args| {
                    let (i, ptr) = two_args(args)?;
                    unit(ca::canon_error_context_debug_message(s, &opts, i, ptr))
                })
            }
            AsyncCanon::ErrorContextDrop => self.builtin_blocking(store, move |s, args| {
                unit(ca::canon_error_context_drop(s, i32_arg(args)?))
            }),
            AsyncCanon::ThreadResumeLater => self.builtin_blocking(store, move |s, args| {
                unit(ca::canon_thread_resume_later(s, i32_arg(args)?))
            }),
            AsyncCanon::ThreadSwitch {
                cancellable,
                yield_,
                promote,
            } => self.builtin_blocking(store, move |s, args| {
                let i = i32_arg(args)?;
                if promote {
                    ca::canon_thread_switch_then_promote(s, cancellable, i, yield_)
                } else {
                    ca::canon_thread_switch_then_resume(s, cancellable, i, yield_)
                }
            }),
            AsyncCanon::New { ty, future } => {
                let t = self.elem_type_at(ty)?;
                self.builtin_blocking(store, move |s, _| {
                    let v = streams::canon_new(s, t.clone(), future)?;
                    Ok(Return(vec![CoreVal::I64(v as i64)]))
                })
            }
            AsyncCanon::Copy {
                ty,
                kind,
                ref options,
            } => {
                let t = self.elem_type_at(ty)?;
                let opts = Arc::new(self.options(store, options)?);
                let future = matches!(kind, EndKind::ReadableFuture | EndKind::WritableFuture);
                self.builtin_blocking(store, move |s, args| {
                    let (i, ptr, n) = match args {
                        [CoreVal::I32(i), p, n] if !future => {
                            (*i as u32, ptr_arg(p)?, Some(ptr_arg(n)?))
                        }
                        [CoreVal::I32(i), p] if future => (*i as u32, ptr_arg(p)?, None),
                        _ => return Err(internal("built-in arguments")),
                    };
                    streams::canon_copy(s, kind, &t, &opts, i, ptr, n)
                })
            }
            AsyncCanon::CancelCopy { ty, kind, async_ } => {
                let t = self.elem_type_at(ty)?;
                self.builtin_blocking(store, move |s, args| {
                    streams::canon_cancel_copy(s, kind, &t, async_, i32_arg(args)?)
                })
            }
            AsyncCanon::Drop { ty, kind } => {
                let t = self.elem_type_at(ty)?;
                self.builtin_blocking(store, move |s, args| {
                    unit(streams::canon_drop(s, kind, &t, i32_arg(args)?))
                })
            }
        }
    }

    /// The element type of the `stream` or `future` type at `index`.
    fn elem_type_at(&mut self, index: u32) -> Result<Option<ValType>> {
        let types = self.closure.def.types();
        if index >= types.component_type_count() {
            return Err(internal("type index out of range"));
        }
        let ComponentAnyTypeId::Defined(id) = types.component_any_type_at(index) else {
            return Err(internal("stream or future of a non-value type"));
        };
        let t =
            self.convert(|c| c.valtype(&wasmparser::component_types::ComponentValType::Type(id)))?;
        match t {
            ValType::Stream(s) => Ok(s.t.clone()),
            ValType::Future(f) => Ok(f.t.clone()),
            _ => Err(internal("stream or future built-in of another type")),
        }
    }

    /// Defines the next core function as a built-in that may block its
    /// thread (a suspendable host function).
    fn builtin_blocking(
        &mut self,
        store: &mut Store,
        f: impl Fn(&mut Store, &[CoreVal]) -> Result<super::canonical::canon::BuiltinResult>
        + Send
        + Sync
        + 'static,
    ) -> Result<()> {
        let ty = core_func_type(self.def().types(), self.core_funcs.len() as u32)?;
        let func = CoreFunc::new_host_suspendable(store, ty, move |caller, args| {
            let store = caller.store();
            let r = f(store, args);
            super::canonical::canon_async::host_result(store, r)
        });
        self.core_funcs.push(func);
        Ok(())
    }

    /// Defines the next core function as a built-in: a host function of
    /// the type the validator gave it. A non-trap error (e.g. unsupported)
    /// unwinds the core stack as a trap and reaches the embedder intact.
    fn builtin(
        &mut self,
        store: &mut Store,
        f: impl Fn(&mut Store, &[CoreVal]) -> Result<Vec<CoreVal>> + Send + Sync + 'static,
    ) -> Result<()> {
        let ty = core_func_type(self.def().types(), self.core_funcs.len() as u32)?;
        let func = CoreFunc::new_host(store, ty, move |caller, args| {
            let store = caller.store();
            f(store, args).map_err(|e| store.component.defer_error(e))
        });
        self.core_funcs.push(func);
        Ok(())
    }
}

fn i32_arg(args: &[CoreVal]) -> Result<u32> {
    match args {
        [CoreVal::I32(x)] => Ok(*x as u32),
        _ => Err(internal("built-in arguments")),
    }
}

/// A pointer or length argument (`i32`, or `i64` for a 64-bit memory).
fn ptr_arg(v: &CoreVal) -> Result<u64> {
    match v {
        CoreVal::I32(x) => Ok(*x as u32 as u64),
        CoreVal::I64(x) => Ok(*x as u64),
        _ => Err(internal("built-in arguments")),
    }
}

/// Two arguments: an `i32` index and an `i32` or `i64` pointer.
fn two_args(args: &[CoreVal]) -> Result<(u32, u64)> {
    match args {
        [CoreVal::I32(a), CoreVal::I32(b)] => Ok((*a as u32, *b as u32 as u64)),
        [CoreVal::I32(a), CoreVal::I64(b)] => Ok((*a as u32, *b as u64)),
        _ => Err(internal("built-in arguments")),
    }
}

fn i32_val(x: u32) -> CoreVal {
    CoreVal::I32(x as i32)
}

/// The function type a host function gets for an import (used by the linker).
pub(crate) fn import_signature(
    frame: &mut Frame<'_>,
    ty: &ComponentEntityType,
) -> Result<Arc<Signature>> {
    match ty {
        ComponentEntityType::Func(id) => frame.signature(*id),
        _ => Err(internal("not a function type")),
    }
}

/// A fresh type for an embedder-made resource.
pub(crate) fn host_resource_type(store: &mut Store, name: &str, dtor: Dtor) -> ResourceType {
    let rt = ResourceType(store.component.resource_types.len() as u32);
    store.component.resource_types.push(ResourceTypeInst {
        impl_: None,
        dtor,
        name: format!("host resource `{name}`"),
    });
    rt
}

/// Compares a function's runtime signature with an expected one.
pub(crate) fn same_func_type(a: &FuncType, b: &FuncType) -> bool {
    a == b
}
