use cmref_interp::*;

fn run(wat: &str, name: &str, args: &[Val]) -> Result<Vec<Val>> {
    let wasm = wat::parse_str(wat).unwrap();
    let engine = Engine::default();
    let module = Module::new(&engine, &wasm)?;
    let mut store = Store::new(&engine);
    let instance = Linker::new().instantiate(&mut store, &module)?;
    let f = instance.get_func(&store, name).unwrap();
    store.call(f, args)
}

#[test]
fn fib() {
    let wat = r#"(module (func $fib (export "fib") (param i32) (result i32)
        local.get 0 i32.const 2 i32.lt_s
        if (result i32) local.get 0
        else local.get 0 i32.const 1 i32.sub call $fib local.get 0 i32.const 2 i32.sub call $fib i32.add end))"#;
    assert_eq!(
        run(wat, "fib", &[Val::I32(20)]).unwrap(),
        vec![Val::I32(6765)]
    );
}
