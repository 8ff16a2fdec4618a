//! The `spectest` host module the official scripts import from.

use cmref_interp::{
    Func, FuncType, Global, GlobalType, Linker, Memory, MemoryType, RefType, Result, Store, Table,
    TableType, Val, ValType,
};

/// Defines the `spectest` module (print functions, globals, a table, a
/// memory and a shared memory) in `linker`, allocating its items in `store`.
pub fn define(store: &mut Store, linker: &mut Linker) -> Result<()> {
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[ValType::I32]),
        ("print_i64", &[ValType::I64]),
        ("print_f32", &[ValType::F32]),
        ("print_f64", &[ValType::F64]),
        ("print_i32_f32", &[ValType::I32, ValType::F32]),
        ("print_f64_f64", &[ValType::F64, ValType::F64]),
    ];
    for (name, params) in prints {
        let ty = FuncType::new(params.iter().copied(), []);
        // The scripts only check that these can be called; they print nothing
        // so test output stays readable.
        let f = Func::new_host(store, ty, |_, _| Ok(Vec::new()));
        linker.define("spectest", name, f);
    }
    let globals = [
        ("global_i32", ValType::I32, Val::I32(666)),
        ("global_i64", ValType::I64, Val::I64(666)),
        ("global_f32", ValType::F32, Val::f32(666.6)),
        ("global_f64", ValType::F64, Val::f64(666.6)),
    ];
    for (name, content_type, value) in globals {
        let ty = GlobalType {
            content_type,
            mutable: false,
            shared: false,
        };
        let g = Global::new(store, ty, value)?;
        linker.define("spectest", name, g);
    }
    let table = Table::new(
        store,
        TableType {
            element_type: RefType::FUNCREF,
            table64: false,
            initial: 10,
            maximum: Some(20),
            shared: false,
        },
        Val::FuncRef(None),
    )?;
    linker.define("spectest", "table", table);
    let memory = Memory::new(
        store,
        MemoryType {
            memory64: false,
            shared: false,
            initial: 1,
            maximum: Some(2),
            page_size_log2: None,
        },
    )?;
    linker.define("spectest", "memory", memory);
    let shared_memory = Memory::new(
        store,
        MemoryType {
            memory64: false,
            shared: true,
            initial: 1,
            maximum: Some(2),
            page_size_log2: None,
        },
    )?;
    linker.define("spectest", "shared_memory", shared_memory);
    Ok(())
}
