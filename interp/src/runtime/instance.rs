//! Instantiation (core spec, "Modules › Instantiation"): import matching,
//! allocation, segment initialisation and the start function.

use std::sync::Arc;

use wasmparser::{MemoryType, TableType};

use crate::error::{Error, Result};
use crate::exec::table_init;
use crate::module::{DataMode, ElemMode, ExportIndex, ExternType, Module};
use crate::runtime::memory::MemoryInst;
use crate::runtime::store::{DataInst, ElemInst, FuncInst, GlobalInst, InstanceData, Store};
use crate::runtime::table::TableInst;
use crate::runtime::{Extern, Global, Instance, Memory, Table};
use crate::values::{Func, func_ref};

impl Instance {
    /// Instantiates `module` with `imports` given in the module's import order.
    pub fn new(store: &mut Store, module: &Module, imports: &[Extern]) -> Result<Instance> {
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

fn table_matches(actual: &TableInst, expected: &TableType) -> bool {
    actual.ty.element_type == expected.element_type
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
    let ok = match (&import.ty, ext) {
        (ExternType::Func(ty), Extern::Func(f)) => {
            let id = store.engine.intern(ty);
            store
                .funcs
                .get(f.0 as usize)
                .is_some_and(|fi| fi.type_id() == id)
        }
        (ExternType::Table(ty), Extern::Table(t)) => table_matches(&store.tables[t.0 as usize], ty),
        (ExternType::Memory(ty), Extern::Memory(m)) => {
            memory_matches(&store.memories[m.0 as usize], ty)
        }
        (ExternType::Global(ty), Extern::Global(g)) => store.globals[g.0 as usize].ty == *ty,
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

fn instantiate(store: &mut Store, module: &Module, imports: &[Extern]) -> Result<Instance> {
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
    let config = store.engine.config().clone();
    let id = store.instances.len() as u32;
    let mut data = InstanceData {
        module: Arc::clone(&m),
        funcs: Vec::new(),
        tables: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
        elems: Vec::new(),
        datas: Vec::new(),
        exports: Vec::new(),
    };
    for ext in imports {
        match *ext {
            Extern::Func(f) => data.funcs.push(f.0),
            Extern::Table(t) => data.tables.push(t.0),
            Extern::Memory(mem) => data.memories.push(mem.0),
            Extern::Global(g) => data.globals.push(g.0),
        }
    }
    // Functions first: constant expressions may take references to them.
    for (def_index, code) in m.funcs.iter().enumerate() {
        let ty = m.func_type_id(code.func_index);
        store.funcs.push(FuncInst::Wasm {
            instance: id,
            def_index: def_index as u32,
            code: Arc::clone(code),
            ty,
        });
        data.funcs.push(store.funcs.len() as u32 - 1);
    }
    for (ty, init) in &m.globals {
        let value = {
            let globals = &data.globals;
            let funcs = &data.funcs;
            init.eval(
                &|g| {
                    let [lo, hi] = store.globals[globals[g as usize] as usize].value;
                    lo as u128 | ((hi as u128) << 64)
                },
                &|f| func_ref(funcs[f as usize]),
            )
        };
        store.globals.push(GlobalInst {
            ty: *ty,
            value: [value as u64, (value >> 64) as u64],
        });
        data.globals.push(store.globals.len() as u32 - 1);
    }
    for (ty, init) in &m.tables {
        let init = init.as_ref().map_or(0, |e| {
            e.eval(
                &|g| store.globals[data.globals[g as usize] as usize].value[0] as u128,
                &|f| func_ref(data.funcs[f as usize]),
            ) as u64
        });
        store
            .tables
            .push(TableInst::new(*ty, init, config.max_table_elements)?);
        data.tables.push(store.tables.len() as u32 - 1);
    }
    for ty in &m.memories {
        store
            .memories
            .push(MemoryInst::new(*ty, config.max_memory_bytes)?);
        data.memories.push(store.memories.len() as u32 - 1);
    }
    for seg in &m.elems {
        let items = seg
            .items
            .iter()
            .map(|e| {
                e.eval(
                    &|g| store.globals[data.globals[g as usize] as usize].value[0] as u128,
                    &|f| func_ref(data.funcs[f as usize]),
                ) as u64
            })
            .collect();
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
        };
        data.exports.push((name.clone(), ext));
    }
    store.instances.push(data);
    let instance = Instance(id);

    // Active segments in order; a trap leaves the effects of earlier ones.
    let global0 = |store: &Store, g: u32| {
        store.globals[store.instances[id as usize].globals[g as usize] as usize].value[0] as u128
    };
    for (i, seg) in m.elems.iter().enumerate() {
        match &seg.mode {
            ElemMode::Active { table, offset } => {
                let offset = offset.eval(&|g| global0(store, g), &|_| 0) as u64;
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
            let offset = offset.eval(&|g| global0(store, g), &|_| 0) as u64;
            let maddr = store.instances[id as usize].memories[*memory as usize];
            let mem = &mut store.memories[maddr as usize].data;
            let len = seg.bytes.len() as u64;
            match offset.checked_add(len) {
                Some(end) if end <= mem.len() as u64 => {
                    mem[offset as usize..end as usize].copy_from_slice(&seg.bytes);
                }
                _ => {
                    return Err(Error::Trap(
                        crate::error::TrapKind::OutOfBoundsMemoryAccess.into(),
                    ));
                }
            }
            let daddr = store.instances[id as usize].datas[i];
            store.datas[daddr as usize].bytes = Arc::from(&[][..]);
        }
    }
    if let Some(start) = m.start {
        let f = Func(store.instances[id as usize].funcs[start as usize]);
        store.call(f, &[])?;
    }
    Ok(instance)
}

fn drop_elem(store: &mut Store, instance: u32, elem: usize) {
    let addr = store.instances[instance as usize].elems[elem];
    store.elems[addr as usize].items = Vec::new();
}
