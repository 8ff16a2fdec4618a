//! Prints the translated code of every function of a module:
//! `cargo run -p cmref-interp --example disassemble -- FILE.wasm|FILE.wat`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: disassemble FILE")?;
    let wasm = wat::parse_file(&path)?;
    let engine = cmref_interp::Engine::default();
    let module = cmref_interp::Module::new(&engine, &wasm)?;
    let mut index = 0;
    loop {
        match module.disassemble(index) {
            Some(text) => println!("{text}"),
            None if index < module.imports().count() as u32 => {}
            None => break,
        }
        index += 1;
    }
    Ok(())
}
