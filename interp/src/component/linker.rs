//! The embedder's side of imports: a linker with host functions, host
//! resources and registered instances, by import name.

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmparser::component_types::{ComponentAnyTypeId, ComponentEntityType};

use super::canonical::host_calls::HostCall;
use super::canonical::resources::{Dtor, HostDtor};
use super::definition::{Component, Sort};
use super::instance::Instance;
use super::instantiate::{
    ComponentClosure, Frame, Imports, InstanceItems, Item, TypeItem, host_resource_type,
    import_signature, instantiate, same_func_type,
};
use super::store::{FuncInst, HostImpl, internal};
use super::types::ResourceType;
use super::values::Val;
use crate::error::{Error, Result, Trap};
use crate::module::Module;
use crate::runtime::store::Store;

/// What a name in a [`LinkerInstance`] stands for.
#[derive(Clone)]
enum Definition {
    /// A host function; its type is the importing component's.
    HostFunc(HostImpl),
    Resource(ResourceType),
    Instance(LinkerInstance),
    Component(Component),
    Module(Module),
    /// An item of a component instance of a store (see
    /// [`LinkerInstance::instance_exports`]).
    Item(Item),
}

/// Definitions by name: the root of a [`Linker`], or a nested instance.
#[derive(Clone, Default)]
pub struct LinkerInstance {
    defs: BTreeMap<String, Definition>,
}

/// Host definitions for component imports, by name (like wasmtime's
/// component `Linker`).
#[derive(Clone, Default)]
pub struct Linker {
    root: LinkerInstance,
}

impl ResourceType {
    /// A resource type the host implements; `dtor` runs when a guest drops
    /// an owned handle of it.
    pub fn host(store: &mut Store, name: &str, dtor: Option<Arc<HostDtor>>) -> ResourceType {
        let dtor = dtor.map_or(Dtor::None, Dtor::Host);
        host_resource_type(store, name, dtor)
    }
}

impl LinkerInstance {
    /// The definition an import named `name` takes: the one of that exact
    /// name, or else, for an interface name with a version
    /// (`ns:pkg/iface@1.2.3`), the definition of the same interface whose
    /// version is semver-compatible and highest (Explainer.md, "Import and
    /// Export Definitions": an import may be satisfied by any version
    /// compatible with it).
    fn lookup(&self, name: &str) -> Option<&Definition> {
        if let Some(def) = self.defs.get(name) {
            return Some(def);
        }
        let (base, version) = name.split_once('@')?;
        let want = Version::parse(version)?;
        self.defs
            .iter()
            .filter_map(|(n, d)| {
                let (b, v) = n.split_once('@')?;
                let v = Version::parse(v)?;
                (b == base && v.compatible(&want)).then_some((v, d))
            })
            .max_by_key(|(v, _)| *v)
            .map(|(_, d)| d)
    }

    fn define(&mut self, name: &str, def: Definition) -> Result<&mut Self> {
        if self.defs.contains_key(name) {
            return Err(Error::Api(format!("`{name}` is already defined")));
        }
        self.defs.insert(name.to_string(), def);
        Ok(self)
    }

    /// Defines a host function. Its type is the type of the import it
    /// satisfies; arguments arrive checked against it and results are
    /// checked against it.
    pub fn func_new(
        &mut self,
        name: &str,
        f: impl Fn(&mut Store, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        self.define(name, Definition::HostFunc(HostImpl::Sync(Arc::new(f))))
    }

    /// Defines a host function whose results may arrive later: it returns
    /// [`HostCall::Ready`] with results, or [`HostCall::Pending`] with a
    /// [`HostFuture`](super::HostFuture) that the store's event loop polls
    /// while guest tasks go on. A guest that lowered the import `async`
    /// gets a started subtask meanwhile; a synchronous caller waits.
    pub fn func_new_async(
        &mut self,
        name: &str,
        f: impl Fn(&mut Store, &[Val]) -> Result<HostCall, Trap> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        self.define(name, Definition::HostFunc(HostImpl::Async(Arc::new(f))))
    }

    /// Defines a resource type (see [`ResourceType::host`]).
    pub fn resource(&mut self, name: &str, rt: ResourceType) -> Result<&mut Self> {
        self.define(name, Definition::Resource(rt))
    }

    /// Defines a component (for imports of components).
    pub fn component(&mut self, name: &str, c: Component) -> Result<&mut Self> {
        self.define(name, Definition::Component(c))
    }

    /// Defines a core module (for imports of core modules).
    pub fn module(&mut self, name: &str, m: Module) -> Result<&mut Self> {
        self.define(name, Definition::Module(m))
    }

    /// A nested instance named `name`, created when first asked for.
    pub fn instance(&mut self, name: &str) -> Result<&mut LinkerInstance> {
        let def = self
            .defs
            .entry(name.to_string())
            .or_insert_with(|| Definition::Instance(LinkerInstance::default()));
        match def {
            Definition::Instance(i) => Ok(i),
            _ => Err(Error::Api(format!(
                "`{name}` is already defined as something else"
            ))),
        }
    }

    /// Defines `name` as the exports of a component instance (as a script's
    /// `register` does): components may then import it as an instance.
    pub fn instance_exports(&mut self, name: &str, instance: &Instance) -> Result<&mut Self> {
        self.define(
            name,
            Definition::Item(Item::Instance(instance.items.clone())),
        )
    }
}

impl Linker {
    pub fn new() -> Linker {
        Linker::default()
    }

    /// The top-level names.
    pub fn root(&mut self) -> &mut LinkerInstance {
        &mut self.root
    }

    /// Instantiates `component`, satisfying its imports from this linker.
    pub fn instantiate(&self, store: &mut Store, component: &Component) -> Result<Instance> {
        if !store.engine.same(component.engine()) {
            return Err(Error::Api(
                "component and store come from different engines".into(),
            ));
        }
        let closure = ComponentClosure {
            def: component.def.clone(),
            captured: Default::default(),
        };
        let mut imports = LinkerImports { root: &self.root };
        let (id, items) = instantiate(store, &closure, &mut imports, None)
            .map_err(|e| store.component.take_error(e))?;
        Ok(Instance { id, items })
    }
}

/// A semver version `major.minor.patch`, as interface names carry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Version {
    major: u64,
    minor: u64,
    patch: u64,
}

impl Version {
    /// Parses a version without pre-release or build parts (a version with
    /// them is compatible only with itself, so only exact names match it).
    fn parse(s: &str) -> Option<Version> {
        let mut parts = s.split('.');
        let mut num = || -> Option<u64> {
            let p = parts.next()?;
            let ok = !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p == "0" || !p.starts_with('0'));
            if ok { p.parse().ok() } else { None }
        };
        let v = Version {
            major: num()?,
            minor: num()?,
            patch: num()?,
        };
        parts.next().is_none().then_some(v)
    }

    /// Semver compatibility: the same major version when it is not 0; for
    /// `0.y` the same minor version when it is not 0; `0.0.z` only itself.
    fn compatible(&self, other: &Version) -> bool {
        match (self.major, self.minor) {
            (0, 0) => self == other,
            (0, m) => other.major == 0 && other.minor == m,
            (a, _) => other.major == a,
        }
    }
}

/// Satisfies a top-level component's imports from a linker, checking each
/// definition against the import's type.
struct LinkerImports<'a> {
    root: &'a LinkerInstance,
}

impl Imports for LinkerImports<'_> {
    fn get(
        &mut self,
        store: &mut Store,
        frame: &mut Frame<'_>,
        name: &str,
        _sort: Sort,
    ) -> Result<Item> {
        let closure = frame.closure;
        let types = closure.def.types();
        let expected = types
            .component_item_for_import(name)
            .ok_or_else(|| internal("import without a type"))?
            .ty;
        let Some(def) = self.root.lookup(name) else {
            // A type import bounded by `eq` names a type the component
            // already knows: nothing to provide.
            if let ComponentEntityType::Type { created, .. } = expected
                && !matches!(created, ComponentAnyTypeId::Resource(_))
            {
                return Ok(Item::Type(TypeItem::Static));
            }
            return Err(Error::Unlinkable(format!("unknown import `{name}`")));
        };
        resolve(store, frame, name, def, &expected)
    }
}

fn kind_of(e: &ComponentEntityType) -> &'static str {
    match e {
        ComponentEntityType::Module(_) => "core module",
        ComponentEntityType::Func(_) => "func",
        ComponentEntityType::Value(_) => "value",
        ComponentEntityType::Type { .. } => "type",
        ComponentEntityType::Instance(_) => "instance",
        ComponentEntityType::Component(_) => "component",
    }
}

fn mismatch(name: &str, expected: &ComponentEntityType, found: &str) -> Error {
    Error::Unlinkable(format!(
        "import `{name}` expects a {}, but the linker defines a {found}",
        kind_of(expected)
    ))
}

/// The item a definition gives for an import of type `expected`.
fn resolve(
    store: &mut Store,
    frame: &mut Frame<'_>,
    name: &str,
    def: &Definition,
    expected: &ComponentEntityType,
) -> Result<Item> {
    match (def, expected) {
        (Definition::HostFunc(f), ComponentEntityType::Func(_)) => {
            let sig = import_signature(frame, expected)?;
            let func = super::store::Func(store.component.funcs.len() as u32);
            store.component.funcs.push(FuncInst::Host {
                sig,
                func: f.clone(),
                name: name.to_string(),
            });
            Ok(Item::Func(func))
        }
        (Definition::Resource(rt), ComponentEntityType::Type { .. }) => {
            check_item(
                store,
                frame,
                name,
                &Item::Type(TypeItem::Resource(*rt)),
                expected,
            )?;
            Ok(Item::Type(TypeItem::Resource(*rt)))
        }
        (Definition::Instance(li), ComponentEntityType::Instance(id)) => {
            let types = frame.closure.def.types();
            let ity = types.get(*id).ok_or_else(|| internal("instance type"))?;
            let mut exports = Vec::new();
            for (ename, eitem) in ity.exports.iter() {
                let Some(sub) = li.defs.get(ename) else {
                    if let Some(item) = implied_type(frame, &eitem.ty) {
                        exports.push((ename.clone(), item));
                        continue;
                    }
                    return Err(Error::Unlinkable(format!(
                        "instance `{name}` has no export `{ename}`"
                    )));
                };
                let item = resolve(store, frame, &format!("{name}#{ename}"), sub, &eitem.ty)?;
                exports.push((ename.clone(), item));
            }
            Ok(Item::Instance(Arc::new(InstanceItems { exports })))
        }
        (Definition::Component(c), ComponentEntityType::Component(_)) => {
            // Checked when it is instantiated (its imports by name and sort).
            Ok(Item::Component(Arc::new(ComponentClosure {
                def: c.def.clone(),
                captured: Default::default(),
            })))
        }
        (Definition::Module(m), ComponentEntityType::Module(_)) => Ok(Item::Module(m.clone())),
        (Definition::Item(item), _) => {
            check_item(store, frame, name, item, expected)?;
            Ok(item.clone())
        }
        (def, _) => Err(mismatch(
            name,
            expected,
            match def {
                Definition::HostFunc(_) => "host function",
                Definition::Resource(_) => "resource type",
                Definition::Instance(_) => "instance",
                Definition::Component(_) => "component",
                Definition::Module(_) => "core module",
                Definition::Item(_) => "item",
            },
        )),
    }
}

/// A type export of an imported instance that the linker need not define:
/// a type that is not a resource (its structure is all there is to it), or
/// a resource the import already bound (an `eq` bound naming a resource of
/// an earlier import, as a WIT `use` of another interface's type makes).
fn implied_type(frame: &Frame<'_>, expected: &ComponentEntityType) -> Option<Item> {
    match expected {
        ComponentEntityType::Type { created, .. } => match created {
            ComponentAnyTypeId::Resource(id) => frame
                .resources
                .get(&id.resource())
                .map(|rt| Item::Type(TypeItem::Resource(*rt))),
            _ => Some(Item::Type(TypeItem::Static)),
        },
        _ => None,
    }
}

/// Checks a run-time item against an import's type, binding the resources
/// it provides.
fn check_item(
    store: &mut Store,
    frame: &mut Frame<'_>,
    name: &str,
    item: &Item,
    expected: &ComponentEntityType,
) -> Result<()> {
    match (item, expected) {
        (Item::Func(f), ComponentEntityType::Func(_)) => {
            let sig = import_signature(frame, expected)?;
            let actual = store.component.func(*f)?.sig().clone();
            if !same_func_type(&actual.ft, &sig.ft) {
                return Err(Error::Unlinkable(format!(
                    "function `{name}` has type `{}`, expected `{}`",
                    actual.ft, sig.ft
                )));
            }
            Ok(())
        }
        (Item::Type(t), ComponentEntityType::Type { created, .. }) => match (t, created) {
            (TypeItem::Resource(rt), ComponentAnyTypeId::Resource(id)) => {
                frame.bind_resource(id.resource(), *rt);
                Ok(())
            }
            (TypeItem::Resource(_), _) => Err(Error::Unlinkable(format!(
                "type `{name}` is a resource, but the import expects another type"
            ))),
            (TypeItem::Static, ComponentAnyTypeId::Resource(_)) => Err(Error::Unlinkable(format!(
                "type `{name}` is not a resource type"
            ))),
            (TypeItem::Static, _) => Ok(()),
        },
        (Item::Instance(items), ComponentEntityType::Instance(id)) => {
            let types = frame.closure.def.types();
            let ity = types.get(*id).ok_or_else(|| internal("instance type"))?;
            for (ename, eitem) in ity.exports.iter() {
                let sub = items.get(ename).ok_or_else(|| {
                    Error::Unlinkable(format!("instance `{name}` has no export `{ename}`"))
                })?;
                check_item(store, frame, &format!("{name}#{ename}"), sub, &eitem.ty)?;
            }
            Ok(())
        }
        (Item::Component(_), ComponentEntityType::Component(_))
        | (Item::Module(_), ComponentEntityType::Module(_)) => Ok(()),
        (item, expected) => Err(mismatch(name, expected, item.sort().name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> Definition {
        Definition::Instance(LinkerInstance::default())
    }

    #[test]
    fn versions_parse_strictly() {
        assert_eq!(
            Version::parse("0.2.12"),
            Some(Version {
                major: 0,
                minor: 2,
                patch: 12
            })
        );
        for bad in ["0.2", "0.2.1.4", "01.2.3", "0.2.x", "0.2.3-rc1", "", "1..2"] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn lookup_is_semver_aware() {
        let mut li = LinkerInstance::default();
        li.define("wasi:cli/environment@0.2.0", def()).unwrap();
        li.define("wasi:cli/environment@0.2.12", def()).unwrap();
        li.define("wasi:cli/environment@0.3.0", def()).unwrap();
        li.define("a:b/c@1.4.0", def()).unwrap();
        li.define("a:b/d@0.0.3", def()).unwrap();
        li.define("plain", def()).unwrap();
        let name_of = |name: &str| {
            let found = li.lookup(name)?;
            li.defs
                .iter()
                .find(|(_, d)| std::ptr::eq(*d, found))
                .map(|(n, _)| n.clone())
        };
        // Exact names win; otherwise the highest compatible version.
        assert_eq!(
            name_of("wasi:cli/environment@0.2.0").as_deref(),
            Some("wasi:cli/environment@0.2.0")
        );
        assert_eq!(
            name_of("wasi:cli/environment@0.2.3").as_deref(),
            Some("wasi:cli/environment@0.2.12")
        );
        assert_eq!(
            name_of("wasi:cli/environment@0.2.99").as_deref(),
            Some("wasi:cli/environment@0.2.12")
        );
        assert_eq!(
            name_of("wasi:cli/environment@0.3.1").as_deref(),
            Some("wasi:cli/environment@0.3.0")
        );
        assert_eq!(name_of("wasi:cli/environment@0.4.0"), None);
        assert_eq!(name_of("wasi:cli/environment@1.0.0"), None);
        assert_eq!(name_of("wasi:cli/stdout@0.2.3"), None);
        assert_eq!(name_of("a:b/c@1.0.0").as_deref(), Some("a:b/c@1.4.0"));
        assert_eq!(name_of("a:b/c@2.0.0"), None);
        // 0.0.z is compatible only with itself.
        assert_eq!(name_of("a:b/d@0.0.4"), None);
        assert_eq!(name_of("a:b/d@0.0.3").as_deref(), Some("a:b/d@0.0.3"));
        // Pre-releases match only exactly.
        assert_eq!(name_of("a:b/c@1.0.0-rc1"), None);
        assert_eq!(name_of("plain").as_deref(), Some("plain"));
        assert_eq!(name_of("plain@1.0.0"), None);
    }
}
