//! Modules (core spec, "Modules"): decoding and validation through
//! wasmparser, and translation of every function body into the interpreter's
//! instruction set, once.

mod const_expr;
mod translate;
pub(crate) mod types;

use std::collections::HashMap;
use std::sync::Arc;

use wasmparser::{
    BinaryReaderError, DataKind, ElementItems, ElementKind, Encoding, ExternalKind, FuncType,
    GlobalType, KnownCustom, MemoryType, Name, Parser, Payload, TableType, TypeRef, ValType,
    ValidPayload, Validator,
};

use crate::config::Engine;
use crate::error::{Error, Result};
use crate::types::TypeInfo;

pub(crate) use const_expr::{ConstEnv, ConstExpr, ConstOp};
pub(crate) use translate::CompiledFunc;

/// The type of an import or export.
#[derive(Clone, Debug, PartialEq)]
pub enum ExternType {
    Func(FuncType),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
    /// An exception tag, by the signature of its payload (no results).
    Tag(FuncType),
}

/// An import of a module: where it comes from and what it must be.
#[derive(Clone, Debug)]
pub struct ImportType {
    pub module: String,
    pub name: String,
    pub ty: ExternType,
}

/// What an export names, by index in the module's index spaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExportIndex {
    Func(u32),
    Table(u32),
    Memory(u32),
    Global(u32),
    Tag(u32),
}

#[derive(Debug)]
pub(crate) enum ElemMode {
    Passive,
    Declared,
    Active { table: u32, offset: ConstExpr },
}

#[derive(Debug)]
pub(crate) struct ElemSegment {
    pub(crate) mode: ElemMode,
    pub(crate) items: Vec<ConstExpr>,
}

#[derive(Debug)]
pub(crate) enum DataMode {
    Passive,
    Active { memory: u32, offset: ConstExpr },
}

#[derive(Debug)]
pub(crate) struct DataSegment {
    pub(crate) mode: DataMode,
    pub(crate) bytes: Arc<[u8]>,
}

/// Everything about a module that instantiation and execution need.
#[derive(Debug)]
pub(crate) struct ModuleInner {
    pub(crate) engine: Engine,
    /// Types by type index, as the module declares them.
    pub(crate) types: Vec<wasmparser::SubType>,
    /// The canonical type of each of `types`.
    pub(crate) type_infos: Vec<Arc<TypeInfo>>,
    pub(crate) imports: Vec<ImportType>,
    /// Type index of every function (imported first).
    pub(crate) func_types: Vec<u32>,
    pub(crate) num_imported_funcs: u32,
    pub(crate) num_imported_tables: u32,
    pub(crate) num_imported_memories: u32,
    pub(crate) num_imported_globals: u32,
    pub(crate) num_imported_tags: u32,
    /// Type index of every tag (imported first).
    pub(crate) tag_types: Vec<u32>,
    /// Functions defined by the module, translated.
    pub(crate) funcs: Vec<Arc<CompiledFunc>>,
    pub(crate) tables: Vec<(TableType, Option<ConstExpr>)>,
    pub(crate) memories: Vec<MemoryType>,
    pub(crate) globals: Vec<(GlobalType, ConstExpr)>,
    pub(crate) exports: Vec<(String, ExportIndex)>,
    pub(crate) start: Option<u32>,
    pub(crate) elems: Vec<ElemSegment>,
    pub(crate) datas: Vec<DataSegment>,
    /// Function names from the name section.
    pub(crate) func_names: HashMap<u32, String>,
}

impl ModuleInner {
    pub(crate) fn func_type(&self, func: u32) -> &FuncType {
        self.func_type_at(self.func_types[func as usize])
    }

    /// The function type at a type index (which validation guarantees).
    pub(crate) fn func_type_at(&self, index: u32) -> &FuncType {
        match &self.types[index as usize].composite_type.inner {
            wasmparser::CompositeInnerType::Func(f) => f,
            _ => unreachable!("validated function type index"),
        }
    }

    /// The canonical type of a function.
    pub(crate) fn func_info(&self, func: u32) -> &Arc<TypeInfo> {
        &self.type_infos[self.func_types[func as usize] as usize]
    }

    /// Types of every table, memory and global in index-space order.
    pub(crate) fn table_type(&self, index: u32) -> TableType {
        let mut imported = self.imports.iter().filter_map(|i| match &i.ty {
            ExternType::Table(t) => Some(*t),
            _ => None,
        });
        if index < self.num_imported_tables {
            imported.nth(index as usize).expect("validated table index")
        } else {
            self.tables[(index - self.num_imported_tables) as usize].0
        }
    }

    pub(crate) fn memory_type(&self, index: u32) -> MemoryType {
        let mut imported = self.imports.iter().filter_map(|i| match &i.ty {
            ExternType::Memory(m) => Some(*m),
            _ => None,
        });
        if index < self.num_imported_memories {
            imported
                .nth(index as usize)
                .expect("validated memory index")
        } else {
            self.memories[(index - self.num_imported_memories) as usize]
        }
    }

    pub(crate) fn global_type(&self, index: u32) -> GlobalType {
        let mut imported = self.imports.iter().filter_map(|i| match &i.ty {
            ExternType::Global(g) => Some(*g),
            _ => None,
        });
        if index < self.num_imported_globals {
            imported
                .nth(index as usize)
                .expect("validated global index")
        } else {
            self.globals[(index - self.num_imported_globals) as usize].0
        }
    }
}

/// A validated, translated core module; cheap to clone and instantiate many times.
#[derive(Clone, Debug)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

fn malformed(e: BinaryReaderError) -> Error {
    Error::Malformed(format!("{} (at offset 0x{:x})", e.message(), e.offset()))
}

fn invalid(e: BinaryReaderError) -> Error {
    Error::Invalid(format!("{} (at offset 0x{:x})", e.message(), e.offset()))
}

impl Module {
    /// Decodes, validates and translates a core module binary.
    pub fn new(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        let mut validator = Validator::new_with_features(engine.config().features);
        let mut m = ModuleInner {
            engine: engine.clone(),
            types: Vec::new(),
            type_infos: Vec::new(),
            imports: Vec::new(),
            func_types: Vec::new(),
            num_imported_funcs: 0,
            num_imported_tables: 0,
            num_imported_memories: 0,
            num_imported_globals: 0,
            num_imported_tags: 0,
            tag_types: Vec::new(),
            funcs: Vec::new(),
            tables: Vec::new(),
            memories: Vec::new(),
            globals: Vec::new(),
            exports: Vec::new(),
            start: None,
            elems: Vec::new(),
            datas: Vec::new(),
            func_names: HashMap::new(),
        };
        let mut allocs = wasmparser::FuncValidatorAllocations::default();
        let mut scratch = translate::Scratch::default();
        // Decoding depends on the features too (e.g. the width of memory
        // limits, the reserved byte of `memory.grow`).
        let mut parser = Parser::new(0);
        parser.set_features(engine.config().features);
        for payload in parser.parse_all(bytes) {
            let payload = payload.map_err(malformed)?;
            match validator.payload(&payload).map_err(invalid)? {
                ValidPayload::Ok | ValidPayload::End(_) => {}
                ValidPayload::Func(to_validate, body) => {
                    let mut func_validator =
                        to_validate.into_validator(std::mem::take(&mut allocs));
                    let index = m.num_imported_funcs + m.funcs.len() as u32;
                    let compiled =
                        translate::translate(&m, index, &body, &mut func_validator, &mut scratch)?;
                    m.funcs.push(Arc::new(compiled));
                    allocs = func_validator.into_allocations();
                }
                ValidPayload::Parser(_) => {
                    return Err(Error::Unsupported("nested modules".into()));
                }
            }
            read_section(&mut m, payload)?;
        }
        Ok(Module { inner: Arc::new(m) })
    }

    /// The imports the module needs, in order.
    pub fn imports(&self) -> impl Iterator<Item = &ImportType> {
        self.inner.imports.iter()
    }

    /// The module's exports with their types.
    pub fn exports(&self) -> impl Iterator<Item = (&str, ExternType)> + '_ {
        let m = &self.inner;
        m.exports.iter().map(move |(name, index)| {
            let ty = match *index {
                ExportIndex::Func(f) => ExternType::Func(m.func_type(f).clone()),
                ExportIndex::Table(t) => ExternType::Table(m.table_type(t)),
                ExportIndex::Memory(i) => ExternType::Memory(m.memory_type(i)),
                ExportIndex::Global(g) => ExternType::Global(m.global_type(g)),
                ExportIndex::Tag(t) => {
                    ExternType::Tag(m.func_type_at(m.tag_types[t as usize]).clone())
                }
            };
            (name.as_str(), ty)
        })
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The translated instructions of a defined function, one per line with
    /// the byte offset of the operator each came from: what cmref actually
    /// executes. `None` for imported or unknown functions.
    pub fn disassemble(&self, func_index: u32) -> Option<String> {
        let m = &self.inner;
        let code = m
            .funcs
            .get(func_index.checked_sub(m.num_imported_funcs)? as usize)?;
        let mut out = format!(
            "func {func_index}: {} param slots, {} local slots, {} frame slots\n",
            code.param_slots, code.local_slots, code.frame_slots
        );
        for (pc, (instr, offset)) in code.code.iter().zip(code.offsets.iter()).enumerate() {
            out.push_str(&format!("{pc:5} @0x{offset:06x}  {instr:?}\n"));
        }
        Some(out)
    }
}

/// Records what a (validated) section declares.
fn read_section(m: &mut ModuleInner, payload: Payload<'_>) -> Result<()> {
    match payload {
        Payload::Version {
            encoding: Encoding::Component,
            ..
        } => {
            return Err(Error::Unsupported(
                "this is a component, not a core module".into(),
            ));
        }
        Payload::TypeSection(reader) => {
            for group in reader.into_iter() {
                types::read_rec_group(m, group.map_err(malformed)?)?;
            }
        }
        Payload::ImportSection(reader) => {
            for import in reader.into_imports() {
                let import = import.map_err(malformed)?;
                let ty = match import.ty {
                    TypeRef::Func(t) => {
                        m.func_types.push(t);
                        m.num_imported_funcs += 1;
                        ExternType::Func(m.func_type_at(t).clone())
                    }
                    TypeRef::FuncExact(_) => {
                        return Err(Error::Unsupported(
                            "exact function imports (custom descriptors)".into(),
                        ));
                    }
                    TypeRef::Table(t) => {
                        m.num_imported_tables += 1;
                        ExternType::Table(t)
                    }
                    TypeRef::Memory(t) => {
                        m.num_imported_memories += 1;
                        ExternType::Memory(t)
                    }
                    TypeRef::Global(t) => {
                        m.num_imported_globals += 1;
                        ExternType::Global(t)
                    }
                    TypeRef::Tag(t) => {
                        m.tag_types.push(t.func_type_idx);
                        m.num_imported_tags += 1;
                        ExternType::Tag(m.func_type_at(t.func_type_idx).clone())
                    }
                };
                m.imports.push(ImportType {
                    module: import.module.to_string(),
                    name: import.name.to_string(),
                    ty,
                });
            }
        }
        Payload::FunctionSection(reader) => {
            for t in reader {
                m.func_types.push(t.map_err(malformed)?);
            }
        }
        Payload::TableSection(reader) => {
            for table in reader {
                let table = table.map_err(malformed)?;
                let init = match table.init {
                    wasmparser::TableInit::RefNull => None,
                    wasmparser::TableInit::Expr(e) => Some(ConstExpr::read(&e)?),
                };
                m.tables.push((table.ty, init));
            }
        }
        Payload::MemorySection(reader) => {
            for mem in reader {
                m.memories.push(mem.map_err(malformed)?);
            }
        }
        Payload::GlobalSection(reader) => {
            for g in reader {
                let g = g.map_err(malformed)?;
                m.globals.push((g.ty, ConstExpr::read(&g.init_expr)?));
            }
        }
        Payload::ExportSection(reader) => {
            for e in reader {
                let e = e.map_err(malformed)?;
                let index = match e.kind {
                    ExternalKind::Func => ExportIndex::Func(e.index),
                    ExternalKind::FuncExact => {
                        return Err(Error::Unsupported(
                            "exact function exports (custom descriptors)".into(),
                        ));
                    }
                    ExternalKind::Table => ExportIndex::Table(e.index),
                    ExternalKind::Memory => ExportIndex::Memory(e.index),
                    ExternalKind::Global => ExportIndex::Global(e.index),
                    ExternalKind::Tag => ExportIndex::Tag(e.index),
                };
                m.exports.push((e.name.to_string(), index));
            }
        }
        Payload::StartSection { func, .. } => m.start = Some(func),
        Payload::ElementSection(reader) => {
            for elem in reader {
                let elem = elem.map_err(malformed)?;
                let mode = match elem.kind {
                    ElementKind::Passive => ElemMode::Passive,
                    ElementKind::Declared => ElemMode::Declared,
                    ElementKind::Active {
                        table_index,
                        offset_expr,
                    } => ElemMode::Active {
                        table: table_index.unwrap_or(0),
                        offset: ConstExpr::read(&offset_expr)?,
                    },
                };
                let items = match elem.items {
                    ElementItems::Functions(funcs) => {
                        let mut items = Vec::new();
                        for f in funcs {
                            items.push(ConstExpr::from_op(ConstOp::RefFunc(f.map_err(malformed)?)));
                        }
                        items
                    }
                    ElementItems::Expressions(_, exprs) => {
                        let mut items = Vec::new();
                        for e in exprs {
                            items.push(ConstExpr::read(&e.map_err(malformed)?)?);
                        }
                        items
                    }
                };
                m.elems.push(ElemSegment { mode, items });
            }
        }
        Payload::DataSection(reader) => {
            for data in reader {
                let data = data.map_err(malformed)?;
                let mode = match data.kind {
                    DataKind::Passive => DataMode::Passive,
                    DataKind::Active {
                        memory_index,
                        offset_expr,
                    } => DataMode::Active {
                        memory: memory_index,
                        offset: ConstExpr::read(&offset_expr)?,
                    },
                };
                m.datas.push(DataSegment {
                    mode,
                    bytes: data.data.into(),
                });
            }
        }
        Payload::CustomSection(section) => {
            // A malformed name section is not an error (spec: custom sections
            // are ignored); we keep what decodes.
            if let KnownCustom::Name(reader) = section.as_known() {
                for name in reader.into_iter().flatten() {
                    if let Name::Function(map) = name {
                        for naming in map.into_iter().flatten() {
                            m.func_names.insert(naming.index, naming.name.to_string());
                        }
                    }
                }
            }
        }
        Payload::TagSection(reader) => {
            for tag in reader {
                m.tag_types.push(tag.map_err(malformed)?.func_type_idx);
            }
        }
        _ => {}
    }
    Ok(())
}

pub(crate) fn block_type_signature(
    m: &ModuleInner,
    ty: wasmparser::BlockType,
) -> (Vec<ValType>, Vec<ValType>) {
    match ty {
        wasmparser::BlockType::Empty => (Vec::new(), Vec::new()),
        wasmparser::BlockType::Type(t) => (Vec::new(), vec![t]),
        wasmparser::BlockType::FuncType(i) => {
            let f = m.func_type_at(i);
            (f.params().to_vec(), f.results().to_vec())
        }
    }
}
