//! The embedder's handles on component instances and functions.

use std::sync::Arc;

use super::canonical::concurrency::invoke;
use super::instantiate::{InstanceItems, Item, TypeItem};
use super::store::{Func, InstanceId};
use super::types::{FuncType, ResourceType};
use super::values::Val;
use crate::error::{Error, Result};
use crate::runtime::store::Store;

/// An instance of a component in a store.
#[derive(Clone, Debug)]
pub struct Instance {
    #[allow(dead_code)]
    pub(crate) id: InstanceId,
    pub(crate) items: Arc<InstanceItems>,
}

/// An export of a component instance, as the embedder sees it.
#[derive(Clone, Debug)]
pub enum Export {
    Func(Func),
    /// An exported instance: its exports.
    Instance(Exports),
    /// An exported resource type.
    Resource(ResourceType),
    /// Any other exported type.
    Type,
    Component(super::definition::Component),
    Module(crate::module::Module),
}

/// The exports of an instance (a component instance, or an instance it
/// exports).
#[derive(Clone, Debug)]
pub struct Exports(pub(crate) Arc<InstanceItems>);

fn export_of(item: &Item) -> Export {
    match item {
        Item::Func(f) => Export::Func(*f),
        Item::Instance(i) => Export::Instance(Exports(i.clone())),
        Item::Type(TypeItem::Resource(rt)) => Export::Resource(*rt),
        Item::Type(TypeItem::Static) => Export::Type,
        Item::Component(c) => {
            Export::Component(super::definition::Component { def: c.def.clone() })
        }
        Item::Module(m) => Export::Module(m.clone()),
    }
}

impl Exports {
    /// The exports in definition order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Export)> + '_ {
        self.0
            .exports
            .iter()
            .map(|(n, i)| (n.as_str(), export_of(i)))
    }

    pub fn get(&self, name: &str) -> Option<Export> {
        self.0.get(name).map(export_of)
    }

    pub fn get_func(&self, name: &str) -> Option<Func> {
        match self.0.get(name)? {
            Item::Func(f) => Some(*f),
            _ => None,
        }
    }

    /// A function inside nested exported instances: `["a", "b", "f"]` is
    /// export `f` of instance `b` exported by instance `a`.
    pub fn get_func_path(&self, path: &[&str]) -> Option<Func> {
        let (last, instances) = path.split_last()?;
        let mut items = self.0.clone();
        for name in instances {
            match items.get(name)? {
                Item::Instance(i) => items = i.clone(),
                _ => return None,
            }
        }
        Exports(items).get_func(last)
    }

    /// Every function, including those of exported instances, with the
    /// path of export names that leads to it.
    pub fn funcs(&self) -> Vec<(Vec<String>, Func)> {
        let mut out = Vec::new();
        let mut stack = vec![(Vec::new(), self.0.clone())];
        while let Some((prefix, items)) = stack.pop() {
            for (name, item) in &items.exports {
                let mut path = prefix.clone();
                path.push(name.clone());
                match item {
                    Item::Func(f) => out.push((path, *f)),
                    Item::Instance(i) => stack.push((path, i.clone())),
                    _ => {}
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

impl Instance {
    pub fn exports(&self) -> Exports {
        Exports(self.items.clone())
    }

    pub fn get_export(&self, name: &str) -> Option<Export> {
        self.exports().get(name)
    }

    pub fn get_func(&self, name: &str) -> Option<Func> {
        self.exports().get_func(name)
    }
}

impl Func {
    /// The function's type.
    pub fn ty(&self, store: &Store) -> Result<FuncType> {
        Ok(store.component.func(*self)?.sig().ft.clone())
    }

    /// Calls the function (`Store.invoke`). Arguments are checked against
    /// the parameter types; the result is the function's result, if any.
    pub fn call(&self, store: &mut Store, args: &[Val]) -> Result<Vec<Val>> {
        let f = store.component.func(*self)?.clone();
        let sig = f.sig().clone();
        if args.len() != sig.params.ts.len() {
            return Err(Error::Api(format!(
                "`{}` takes {} argument(s), got {}",
                sig.ft,
                sig.params.ts.len(),
                args.len()
            )));
        }
        for (i, (a, t)) in args.iter().zip(&sig.params.ts).enumerate() {
            a.typecheck(t)
                .map_err(|e| Error::Api(format!("argument {}: {e}", i + 1)))?;
        }
        store.component.pending_error = None;
        invoke(store, &f, args.to_vec()).map_err(|e| store.component.take_error(e))
    }
}
