//! Instantiation (core spec, "Modules › Instantiation"): import matching,
//! allocation, segment initialisation and the start function.

use std::sync::Arc;

use wasmparser::{MemoryType, TableType};

use crate::error::{Error, Result, TrapKind};
use crate::exec::table_init;
use crate::module::{
    ConstEnv, ConstOp, DataMode, ElemMode, ExportIndex, ExternType, Module, ModuleInner,
};
use crate::runtime::heap::{Body, Heap};
use crate::runtime::memory::MemoryInst;
use crate::runtime::store::{
    DataInst, ElemInst, FuncInst, GlobalInst, InstanceData, Store, TagInst,
};
use crate::runtime::table::TableInst;
use crate::runtime::{Extern, Global, Instance, Memory, Table, Tag};
use crate::types::{Composite, Storage, ValTy};
use crate::values::{Func, func_ref, heap_ref};

impl Instance {
    /// Instantiates `module` with `imports` given in the module's import order.
    pub fn new(store: &mut Store, module: &Module, imports: &[Extern]) -> Result<Instance> {
        let (instance, start) = instantiate(store, module, imports)?;
        if let Some(start) = start {
            store.call(start, &[])?;
        }
        Ok(instance)
    }

    /// Instantiates `module` up to, not including, its start function, which
    /// is returned for the caller to run (a component runs it as a task of
    /// the component instance).
    pub(crate) fn new_deferring_start(
        store: &mut Store,
        module: &Module,
        imports: &[Extern],
    ) -> Result<(Instance, Option<Func>)> {
        instantiate(store, module, imports)
    }
}

/// `limits` matching: the actual limits must be within the expected ones.
fn limits_match(actual_min: u64, actual_max: Option<u64>, min: u64, max: Option<u64>) -> bool {
    actual_min >= min
        && match max {
            None => true,
            Some(max) => actual_max.is_some_and(|a| a <= max),
        }
}

fn memory_matches(actual: &MemoryInst, expected: &MemoryType) -> bool {
    actual.ty.memory64 == expected.memory64
        && actual.ty.shared == expected.shared
        // No page size means the default one, 64 KiB.
        && actual.ty.page_size_log2.unwrap_or(16) == expected.page_size_log2.unwrap_or(16)
        && limits_match(
            actual.pages(),
            actual.ty.maximum,
            expected.initial,
            expected.maximum,
        )
}

fn table_matches(m: &ModuleInner, actual: &TableInst, expected: &TableType) -> bool {
    m.canon_ref(expected.element_type).ok() == Some(actual.elem)
        && actual.ty.table64 == expected.table64
        && limits_match(
            actual.size(),
            actual.ty.maximum,
            expected.initial,
            expected.maximum,
        )
}

fn check_import(store: &Store, module: &Module, index: usize, ext: &Extern) -> Result<()> {
    let import = &module.inner.imports[index];
    let m = &module.inner;
    // Import indices of each kind, to find the import's declared type.
    let before = &m.imports[..index];
    let count = |f: fn(&ExternType) -> bool| before.iter().filter(|i| f(&i.ty)).count();
    let ok = match (&import.ty, ext) {
        (ExternType::Func(_), Extern::Func(f)) => {
            let expected = m.func_info(count(|t| matches!(t, ExternType::Func(_))) as u32);
            store
                .funcs
                .get(f.0 as usize)
                .is_some_and(|fi| fi.info().is_subtype_of(expected))
        }
        (ExternType::Table(ty), Extern::Table(t)) => store
            .tables
            .get(t.0 as usize)
            .is_some_and(|t| table_matches(m, t, ty)),
        (ExternType::Memory(ty), Extern::Memory(mem)) => store
            .memories
            .get(mem.0 as usize)
            .is_some_and(|mem| memory_matches(mem, ty)),
        (ExternType::Global(ty), Extern::Global(g)) => {
            let expected = m.canon_val(ty.content_type)?;
            store.globals.get(g.0 as usize).is_some_and(|g| {
                g.ty.mutable == ty.mutable
                    && if ty.mutable {
                        g.cty == expected
                    } else {
                        store.engine.types().val_sub(g.cty, expected)
                    }
            })
        }
        (ExternType::Tag(_), Extern::Tag(t)) => {
            let expected = m.tag_types[count(|t| matches!(t, ExternType::Tag(_)))];
            store
                .tags
                .get(t.0 as usize)
                .is_some_and(|t| t.info.id == m.type_info(expected).id)
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::Unlinkable(format!(
            "incompatible import type for `{}::{}`",
            import.module, import.name
        )))
    }
}

/// Constant expressions of an instance being created: its globals and
/// functions so far, and GC allocation (with collection inhibited, since
/// intermediate values live in Rust locals).
struct InstEnv<'a> {
    store: &'a mut Store,
    module: &'a ModuleInner,
    globals: &'a [u32],
    funcs: &'a [u32],
}

impl<'a> InstEnv<'a> {
    fn new(store: &'a mut Store, module: &'a ModuleInner, data: &'a InstanceData) -> Self {
        InstEnv {
            store,
            module,
            globals: &data.globals,
            funcs: &data.funcs,
        }
    }
}

impl ConstEnv for InstEnv<'_> {
    fn global(&self, index: u32) -> u128 {
        let [lo, hi] = self.store.globals[self.globals[index as usize] as usize].value;
        lo as u128 | ((hi as u128) << 64)
    }

    fn func_ref(&self, index: u32) -> u64 {
        func_ref(self.funcs[index as usize])
    }

    fn arity(&self, op: ConstOp) -> usize {
        match op {
            ConstOp::StructNew(t) => match &self.module.type_info(t).composite {
                Composite::Struct(fields) => fields.len(),
                _ => 0,
            },
            ConstOp::ArrayNew(_) => 2,
            ConstOp::ArrayNewDefault(_) => 1,
            ConstOp::ArrayNewFixed(_, n) => n as usize,
            _ => 0,
        }
    }

    fn alloc(&mut self, op: ConstOp, operands: &[u128]) -> Result<u64, TrapKind> {
        let (ty, body_slots) = match op {
            ConstOp::StructNew(t) | ConstOp::StructNewDefault(t) => {
                let info = self.module.type_info(t);
                let mut fields = vec![0u64; info.layout.slots as usize];
                if let (ConstOp::StructNew(_), Composite::Struct(types)) = (op, &info.composite) {
                    for ((v, f), &at) in operands
                        .iter()
                        .zip(types.iter())
                        .zip(info.layout.field_slots.iter())
                    {
                        put(&mut fields, at as usize, f.storage, *v);
                    }
                }
                (t, fields)
            }
            ConstOp::ArrayNew(t) | ConstOp::ArrayNewDefault(t) | ConstOp::ArrayNewFixed(t, _) => {
                let info = self.module.type_info(t);
                let Composite::Array(f) = info.composite else {
                    return Err(TrapKind::HeapExhausted);
                };
                let per = info.layout.slots as u64;
                let (len, init): (u64, Option<u128>) = match op {
                    ConstOp::ArrayNew(_) => (
                        operands.get(1).copied().unwrap_or(0) as u32 as u64,
                        operands.first().copied(),
                    ),
                    ConstOp::ArrayNewDefault(_) => {
                        (operands.first().copied().unwrap_or(0) as u32 as u64, None)
                    }
                    _ => (operands.len() as u64, None),
                };
                let n = len.checked_mul(per).ok_or(TrapKind::HeapExhausted)?;
                if !self.store.heap.fits(Heap::cost(n)) {
                    return Err(TrapKind::HeapExhausted);
                }
                let mut elems = Vec::new();
                elems
                    .try_reserve_exact(n as usize)
                    .map_err(|_| TrapKind::HeapExhausted)?;
                elems.resize(n as usize, 0);
                let value = |i: usize| match (op, init) {
                    (ConstOp::ArrayNewFixed(..), _) => operands[i],
                    (_, Some(v)) => v,
                    _ => 0,
                };
                for (i, elem) in elems.chunks_exact_mut(per as usize).enumerate() {
                    put(elem, 0, f.storage, value(i));
                }
                (t, elems)
            }
            _ => return Err(TrapKind::HeapExhausted),
        };
        let info = Arc::clone(self.module.type_info(ty));
        let body = match info.composite {
            Composite::Struct(_) => Body::Struct {
                ty: info,
                fields: body_slots.into(),
            },
            _ => Body::Array {
                ty: info,
                elems: body_slots.into(),
            },
        };
        Ok(heap_ref(self.store.heap.insert(body)?))
    }
}

/// Stores an operand in a field or element's slots, masking packed storage.
fn put(slots: &mut [u64], at: usize, storage: Storage, v: u128) {
    match storage {
        Storage::I8 => slots[at] = v as u64 & 0xff,
        Storage::I16 => slots[at] = v as u64 & 0xffff,
        Storage::Val(ValTy::V128) => {
            slots[at] = v as u64;
            slots[at + 1] = (v >> 64) as u64;
        }
        Storage::Val(_) => slots[at] = v as u64,
    }
}

fn instantiate(
    store: &mut Store,
    module: &Module,
    imports: &[Extern],
) -> Result<(Instance, Option<Func>)> {
    if !store.engine.same(module.engine()) {
        return Err(Error::Api(
            "module and store come from different engines".into(),
        ));
    }
    let m = Arc::clone(&module.inner);
    if imports.len() != m.imports.len() {
        return Err(Error::Unlinkable(format!(
            "expected {} imports, got {}",
            m.imports.len(),
            imports.len()
        )));
    }
    for (i, ext) in imports.iter().enumerate() {
        check_import(store, module, i, ext)?;
    }
    // Constant expressions keep references in Rust locals until the
    // instance is complete: no collection until then.
    store.heap.inhibit += 1;
    let allocated = allocate(store, &m, imports);
    store.heap.inhibit -= 1;
    let id = allocated?;
    let instance = Instance(id);

    // Active segments in order; a trap leaves the effects of earlier ones.
    let global0 = |store: &Store, g: u32| {
        store.globals[store.instances[id as usize].globals[g as usize] as usize].value[0] as u128
    };
    struct OffsetEnv<'a>(&'a dyn Fn(u32) -> u128);
    impl ConstEnv for OffsetEnv<'_> {
        fn global(&self, index: u32) -> u128 {
            (self.0)(index)
        }
        fn func_ref(&self, _: u32) -> u64 {
            0
        }
        fn arity(&self, _: ConstOp) -> usize {
            0
        }
        fn alloc(&mut self, _: ConstOp, _: &[u128]) -> Result<u64, TrapKind> {
            Err(TrapKind::HeapExhausted)
        }
    }
    let offset_of = |store: &Store, e: &crate::module::ConstExpr| -> Result<u64> {
        let g = |i| global0(store, i);
        e.eval(&mut OffsetEnv(&g))
            .map(|v| v as u64)
            .map_err(|k| Error::Trap(k.into()))
    };
    for (i, seg) in m.elems.iter().enumerate() {
        match &seg.mode {
            ElemMode::Active { table, offset } => {
                let offset = offset_of(store, offset)?;
                let n = seg.items.len() as u64;
                table_init(store, id, *table, i as u32, offset, 0, n)
                    .map_err(|k| Error::Trap(k.into()))?;
                drop_elem(store, id, i);
            }
            ElemMode::Declared => drop_elem(store, id, i),
            ElemMode::Passive => {}
        }
    }
    for (i, seg) in m.datas.iter().enumerate() {
        if let DataMode::Active { memory, offset } = &seg.mode {
            let offset = offset_of(store, offset)?;
            let maddr = store.instances[id as usize].memories[*memory as usize];
            let mem = &mut store.memories[maddr as usize].data;
            let len = seg.bytes.len() as u64;
            match offset.checked_add(len) {
                Some(end) if end <= mem.len() as u64 => {
                    mem[offset as usize..end as usize].copy_from_slice(&seg.bytes);
                }
                _ => {
                    return Err(Error::Trap(TrapKind::OutOfBoundsMemoryAccess.into()));
                }
            }
            let daddr = store.instances[id as usize].datas[i];
            store.datas[daddr as usize].bytes = Arc::from(&[][..]);
        }
    }
    let start = m
        .start
        .map(|start| Func(store.instances[id as usize].funcs[start as usize]));
    Ok((instance, start))
}

/// Allocates the instance's functions, globals, tables, memories, tags and
/// segments, and records the instance; returns its address.
fn allocate(store: &mut Store, m: &Arc<ModuleInner>, imports: &[Extern]) -> Result<u32> {
    let config = store.engine.config().clone();
    let id = store.instances.len() as u32;
    let mut data = InstanceData {
        module: Arc::clone(m),
        funcs: Vec::new(),
        tables: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
        elems: Vec::new(),
        datas: Vec::new(),
        tags: Vec::new(),
        exports: Vec::new(),
    };
    for ext in imports {
        match *ext {
            Extern::Func(f) => data.funcs.push(f.0),
            Extern::Table(t) => data.tables.push(t.0),
            Extern::Memory(mem) => data.memories.push(mem.0),
            Extern::Global(g) => data.globals.push(g.0),
            Extern::Tag(t) => data.tags.push(t.0),
        }
    }
    // Functions first: constant expressions may take references to them.
    for (def_index, code) in m.funcs.iter().enumerate() {
        let info = Arc::clone(m.func_info(code.func_index));
        store.funcs.push(FuncInst::Wasm {
            instance: id,
            def_index: def_index as u32,
            code: Arc::clone(code),
            ty: info.id,
            info,
        });
        data.funcs.push(store.funcs.len() as u32 - 1);
    }
    for &ty in &m.tag_types[m.num_imported_tags as usize..] {
        store.tags.push(TagInst::new(Arc::clone(m.type_info(ty))));
        data.tags.push(store.tags.len() as u32 - 1);
    }
    let trap = |k: TrapKind| Error::Trap(k.into());
    for (ty, init) in &m.globals {
        let cty = m.canon_val(ty.content_type)?;
        let value = init
            .eval(&mut InstEnv::new(store, m, &data))
            .map_err(trap)?;
        store.globals.push(GlobalInst {
            ty: *ty,
            cty,
            value: [value as u64, (value >> 64) as u64],
        });
        data.globals.push(store.globals.len() as u32 - 1);
    }
    for (ty, init) in &m.tables {
        let elem = m.canon_ref(ty.element_type)?;
        let init = match init {
            Some(e) => e.eval(&mut InstEnv::new(store, m, &data)).map_err(trap)? as u64,
            None => 0,
        };
        store
            .tables
            .push(TableInst::new(*ty, elem, init, config.max_table_elements)?);
        data.tables.push(store.tables.len() as u32 - 1);
    }
    for ty in &m.memories {
        store
            .memories
            .push(MemoryInst::new(*ty, config.max_memory_bytes)?);
        data.memories.push(store.memories.len() as u32 - 1);
    }
    for seg in &m.elems {
        let mut items = Vec::with_capacity(seg.items.len());
        for e in &seg.items {
            let v = e.eval(&mut InstEnv::new(store, m, &data)).map_err(trap)?;
            items.push(v as u64);
        }
        store.elems.push(ElemInst { items });
        data.elems.push(store.elems.len() as u32 - 1);
    }
    for seg in &m.datas {
        store.datas.push(DataInst {
            bytes: Arc::clone(&seg.bytes),
        });
        data.datas.push(store.datas.len() as u32 - 1);
    }
    for (name, index) in &m.exports {
        let ext = match *index {
            ExportIndex::Func(i) => Extern::Func(Func(data.funcs[i as usize])),
            ExportIndex::Table(i) => Extern::Table(Table(data.tables[i as usize])),
            ExportIndex::Memory(i) => Extern::Memory(Memory(data.memories[i as usize])),
            ExportIndex::Global(i) => Extern::Global(Global(data.globals[i as usize])),
            ExportIndex::Tag(i) => Extern::Tag(Tag(data.tags[i as usize])),
        };
        data.exports.push((name.clone(), ext));
    }
    store.instances.push(data);
    Ok(id)
}

fn drop_elem(store: &mut Store, instance: u32, elem: usize) {
    let addr = store.instances[instance as usize].elems[elem];
    store.elems[addr as usize].items = Vec::new();
}
