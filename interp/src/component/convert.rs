//! From wasmparser's view of a component's types to cmref's resolved types:
//! each `own`/`borrow` names the runtime resource type the instance being
//! built bound that resource to.

use std::collections::HashMap;

use wasmparser::PrimitiveValType;
use wasmparser::component_types::{
    ComponentDefinedType, ComponentDefinedTypeId, ComponentFuncTypeId, ComponentValType, ResourceId,
};
use wasmparser::types::TypesRef;

use super::types::{FuncType, ResourceType, ValType};
use crate::error::{Error, Result};

/// The placeholder resource of types converted for validation only.
const STATIC_RESOURCE: ResourceType = ResourceType(u32::MAX);

/// Converts types, sharing the conversion of each defined type.
pub(crate) struct TypeConverter<'a> {
    types: TypesRef<'a>,
    /// `None`: converting for validation, resources do not matter.
    resources: Option<&'a HashMap<ResourceId, ResourceType>>,
    cache: HashMap<ComponentDefinedTypeId, ValType>,
}

impl<'a> TypeConverter<'a> {
    /// A converter that continues with the conversions `cache` remembers.
    pub(crate) fn with_cache(
        types: TypesRef<'a>,
        resources: &'a HashMap<ResourceId, ResourceType>,
        cache: HashMap<ComponentDefinedTypeId, ValType>,
    ) -> Self {
        TypeConverter {
            types,
            resources: Some(resources),
            cache,
        }
    }

    pub(crate) fn into_cache(self) -> HashMap<ComponentDefinedTypeId, ValType> {
        self.cache
    }

    pub(crate) fn for_validation(types: TypesRef<'a>) -> Self {
        TypeConverter {
            types,
            resources: None,
            cache: HashMap::new(),
        }
    }

    fn resource(&self, id: ResourceId) -> Result<ResourceType> {
        match self.resources {
            None => Ok(STATIC_RESOURCE),
            Some(map) => map.get(&id).copied().ok_or_else(|| {
                Error::Api(
                    "cmref internal error: a resource type is not bound in this instance".into(),
                )
            }),
        }
    }

    pub(crate) fn func_type(&mut self, id: ComponentFuncTypeId) -> Result<FuncType> {
        let ft = self
            .types
            .get(id)
            .ok_or_else(|| Error::Api("cmref internal error: unknown function type".into()))?;
        let mut params = Vec::with_capacity(ft.params.len());
        for (name, t) in ft.params.iter() {
            params.push((name.to_string(), self.valtype(t)?));
        }
        let result = match &ft.result {
            Some(t) => Some(self.valtype(t)?),
            None => None,
        };
        Ok(FuncType {
            params,
            result,
            async_: ft.async_,
        })
    }

    pub(crate) fn valtype(&mut self, t: &ComponentValType) -> Result<ValType> {
        match t {
            ComponentValType::Primitive(p) => Ok(primitive(*p)),
            ComponentValType::Type(id) => self.defined(*id),
        }
    }

    fn opt(&mut self, t: &Option<ComponentValType>) -> Result<Option<ValType>> {
        match t {
            Some(t) => Ok(Some(self.valtype(t)?)),
            None => Ok(None),
        }
    }

    fn defined(&mut self, id: ComponentDefinedTypeId) -> Result<ValType> {
        if let Some(t) = self.cache.get(&id) {
            return Ok(t.clone());
        }
        let d = self
            .types
            .get(id)
            .ok_or_else(|| Error::Api("cmref internal error: unknown value type".into()))?;
        let t = match d {
            ComponentDefinedType::Primitive(p) => primitive(*p),
            ComponentDefinedType::Record(r) => {
                let mut fields = Vec::with_capacity(r.fields.len());
                for (name, t) in r.fields.iter() {
                    fields.push((name.to_string(), self.valtype(t)?));
                }
                ValType::record(fields)
            }
            ComponentDefinedType::Variant(v) => {
                let mut cases = Vec::with_capacity(v.cases.len());
                for (name, c) in v.cases.iter() {
                    cases.push((name.to_string(), self.opt(&c.ty)?));
                }
                ValType::variant(cases)
            }
            ComponentDefinedType::List { element, .. } => ValType::list(self.valtype(element)?),
            ComponentDefinedType::FixedLengthList {
                element, length, ..
            } => ValType::fixed_list(self.valtype(element)?, *length),
            ComponentDefinedType::Map { key, value, .. } => {
                ValType::map(self.valtype(key)?, self.valtype(value)?)
            }
            ComponentDefinedType::Tuple(t) => {
                let mut ts = Vec::with_capacity(t.types.len());
                for t in t.types.iter() {
                    ts.push(self.valtype(t)?);
                }
                ValType::tuple(ts)
            }
            ComponentDefinedType::Flags(labels) => {
                ValType::flags(labels.iter().map(|l| l.to_string()).collect())
            }
            ComponentDefinedType::Enum(labels) => {
                ValType::enum_(labels.iter().map(|l| l.to_string()).collect())
            }
            ComponentDefinedType::Option { ty, .. } => ValType::option(self.valtype(ty)?),
            ComponentDefinedType::Result { ok, err, .. } => {
                let ok = self.opt(ok)?;
                let err = self.opt(err)?;
                ValType::result(ok, err)
            }
            ComponentDefinedType::Own(r) => ValType::Own(self.resource(r.resource())?),
            ComponentDefinedType::Borrow(r) => ValType::Borrow(self.resource(r.resource())?),
            ComponentDefinedType::Future { ty, .. } => ValType::future(self.opt(ty)?),
            ComponentDefinedType::Stream { ty, .. } => ValType::stream(self.opt(ty)?),
        };
        self.cache.insert(id, t.clone());
        Ok(t)
    }
}

pub(crate) fn primitive(p: PrimitiveValType) -> ValType {
    match p {
        PrimitiveValType::Bool => ValType::Bool,
        PrimitiveValType::S8 => ValType::S8,
        PrimitiveValType::U8 => ValType::U8,
        PrimitiveValType::S16 => ValType::S16,
        PrimitiveValType::U16 => ValType::U16,
        PrimitiveValType::S32 => ValType::S32,
        PrimitiveValType::U32 => ValType::U32,
        PrimitiveValType::S64 => ValType::S64,
        PrimitiveValType::U64 => ValType::U64,
        PrimitiveValType::F32 => ValType::F32,
        PrimitiveValType::F64 => ValType::F64,
        PrimitiveValType::Char => ValType::Char,
        PrimitiveValType::String => ValType::String,
        PrimitiveValType::ErrorContext => ValType::ErrorContext,
    }
}
