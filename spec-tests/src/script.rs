//! Running one `.wast` script: every directive is executed against a fresh
//! store, and each yields a [`DirectiveResult`].

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use cmref_interp::{
    Config, Engine, Error, Extern, Instance, Linker, Module, NondetMode, Store, TrapKind, Val,
    WasmFeatures,
};
use wast::core::{HeapType, WastArgCore, WastRetCore};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

use crate::core_values;
use crate::report::{DirectiveResult, FileReport};
use crate::spectest;

/// How scripts are run.
#[derive(Clone, Debug)]
pub struct ScriptOptions {
    pub features: WasmFeatures,
    pub nondet: NondetMode,
    /// Collect garbage before every allocation (`Config::gc_stress`).
    pub gc_stress: bool,
}

impl Default for ScriptOptions {
    fn default() -> Self {
        ScriptOptions {
            features: WasmFeatures::WASM2,
            nondet: NondetMode::Deterministic,
            gc_stress: false,
        }
    }
}

/// Runs a script and reports every directive.
pub fn run_script(path: &str, source: &str, options: &ScriptOptions) -> FileReport {
    let mut report = FileReport {
        path: path.to_string(),
        results: Vec::new(),
    };
    // The official `names.wast` deliberately uses confusable characters.
    let mut lexer = wast::lexer::Lexer::new(source);
    lexer.allow_confusing_unicode(true);
    let buf = match ParseBuffer::new_with_lexer(lexer) {
        Ok(buf) => buf,
        Err(e) => {
            report.results.push(parse_failure(e, source));
            return report;
        }
    };
    let wast = match parser::parse::<Wast>(&buf) {
        Ok(wast) => wast,
        Err(e) => {
            report.results.push(parse_failure(e, source));
            return report;
        }
    };
    let mut runner = match Runner::new(options) {
        Ok(r) => r,
        Err(e) => {
            report.results.push(DirectiveResult {
                line: 1,
                col: 1,
                kind: "script",
                failure: Some(format!("cannot set up the spectest module: {e}")),
            });
            return report;
        }
    };
    for directive in wast.directives {
        let (line, col) = directive.span().linecol_in(source);
        let kind = directive_kind(&directive);
        // A panic is a bug in cmref; report it as this directive's failure
        // and keep going rather than losing the whole file.
        // References a directive's results hold are only compared within it.
        let roots = runner.store.roots_mark();
        let outcome = catch_unwind(AssertUnwindSafe(|| runner.directive(directive)))
            .unwrap_or_else(|payload| {
                let msg = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Err(format!("cmref panicked: {msg}"))
            });
        runner.store.release_roots(roots);
        report.results.push(DirectiveResult {
            line: line as u32 + 1,
            col: col as u32 + 1,
            kind,
            failure: outcome.err(),
        });
    }
    report
}

fn parse_failure(mut e: wast::Error, source: &str) -> DirectiveResult {
    let (line, col) = e.span().linecol_in(source);
    e.set_text(source);
    DirectiveResult {
        line: line as u32 + 1,
        col: col as u32 + 1,
        kind: "script",
        failure: Some(format!("the script does not parse: {e}")),
    }
}

fn directive_kind(d: &WastDirective<'_>) -> &'static str {
    match d {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
    }
}

type Outcome = Result<(), String>;

struct Runner {
    engine: Engine,
    store: Store,
    linker: Linker,
    definitions: HashMap<String, Module>,
    instances: HashMap<String, Instance>,
    current: Option<Instance>,
}

/// The text of an error for failure messages.
fn describe(e: &Error) -> String {
    match e {
        Error::Trap(t) if !t.backtrace.is_empty() => {
            format!("{e}\n{}", t.backtrace_string().trim_end())
        }
        _ => e.to_string(),
    }
}

impl Runner {
    fn new(options: &ScriptOptions) -> cmref_interp::Result<Runner> {
        let config = Config::default()
            .features(options.features)
            .nondet(options.nondet)
            .gc_stress(options.gc_stress);
        let engine = Engine::new(config);
        let mut store = Store::new(&engine);
        let mut linker = Linker::new();
        spectest::define(&mut store, &mut linker)?;
        Ok(Runner {
            engine,
            store,
            linker,
            definitions: HashMap::new(),
            instances: HashMap::new(),
            current: None,
        })
    }

    fn directive(&mut self, d: WastDirective<'_>) -> Outcome {
        match d {
            WastDirective::Module(mut module) => {
                let name = quote_id(&module);
                let instance = self
                    .instantiate_quote(&mut module)
                    .map_err(|e| describe(&e))?;
                self.bind(name, instance);
                Ok(())
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = quote_id(&module);
                let compiled = self.compile_quote(&mut module).map_err(|e| describe(&e))?;
                if let Some(name) = name {
                    self.definitions.insert(name, compiled);
                }
                Ok(())
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let module = module
                    .and_then(|m| self.definitions.get(m.name()))
                    .cloned()
                    .ok_or("module instance: unknown module definition")?;
                let inst = self
                    .linker
                    .instantiate(&mut self.store, &module)
                    .map_err(|e| describe(&e))?;
                self.bind(instance.map(|i| i.name().to_string()), inst);
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                let inst = self.instance(module.map(|m| m.name()))?;
                self.linker.instance(&self.store, name, inst);
                Ok(())
            }
            WastDirective::Invoke(invoke) => {
                self.invoke(&invoke).map(|_| ()).map_err(|e| describe(&e))
            }
            WastDirective::AssertReturn { exec, results, .. } => {
                let actual = self
                    .execute(exec)
                    .map_err(|e| format!("expected results, got {}", describe(&e)))?;
                self.check_results(&results, &actual)
            }
            WastDirective::AssertTrap { exec, message, .. } => match self.execute(exec) {
                Ok(vals) => Err(format!(
                    "expected trap `{message}`, got {}",
                    core_values::show_all(&vals)
                )),
                Err(Error::Trap(t)) if t.message.contains(message) => Ok(()),
                Err(e) => Err(format!("expected trap `{message}`, got {}", describe(&e))),
            },
            WastDirective::AssertException { exec, .. } => match self.execute(exec) {
                Ok(vals) => Err(format!(
                    "expected an exception, got {}",
                    core_values::show_all(&vals)
                )),
                Err(Error::Exception(_)) => Ok(()),
                Err(e) => Err(format!("expected an exception, got {}", describe(&e))),
            },
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call) {
                Ok(vals) => Err(format!(
                    "expected exhaustion `{message}`, got {}",
                    core_values::show_all(&vals)
                )),
                Err(Error::Trap(t)) if t.kind == TrapKind::CallStackExhausted => Ok(()),
                Err(e) => Err(format!(
                    "expected exhaustion `{message}`, got {}",
                    describe(&e)
                )),
            },
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            } => match self.compile_quote(&mut module) {
                Ok(_) => Err(format!(
                    "expected an invalid module (`{message}`), but it validated"
                )),
                Err(Error::Invalid(_) | Error::Malformed(_)) => Ok(()),
                Err(e) => Err(format!(
                    "expected an invalid module (`{message}`), got {}",
                    describe(&e)
                )),
            },
            WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => match self.compile_quote(&mut module) {
                Ok(_) => Err(format!(
                    "expected a malformed module (`{message}`), but it decoded"
                )),
                Err(Error::Invalid(_) | Error::Malformed(_)) => Ok(()),
                Err(e) => Err(format!(
                    "expected a malformed module (`{message}`), got {}",
                    describe(&e)
                )),
            },
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => {
                let compiled = self.compile_wat(&mut module).map_err(|e| describe(&e))?;
                match self.linker.instantiate(&mut self.store, &compiled) {
                    Ok(_) => Err(format!(
                        "expected unlinkable (`{message}`), but it instantiated"
                    )),
                    Err(Error::Unlinkable(_)) => Ok(()),
                    Err(e) => Err(format!(
                        "expected unlinkable (`{message}`), got {}",
                        describe(&e)
                    )),
                }
            }
            other => Err(format!(
                "directive `{}` is not supported yet",
                directive_kind(&other)
            )),
        }
    }

    fn bind(&mut self, name: Option<String>, instance: Instance) {
        if let Some(name) = name {
            self.instances.insert(name, instance);
        }
        self.current = Some(instance);
    }

    fn instance(&self, name: Option<&str>) -> Result<Instance, String> {
        match name {
            Some(name) => self
                .instances
                .get(name)
                .copied()
                .ok_or_else(|| format!("unknown instance `{name}`")),
            None => self
                .current
                .ok_or_else(|| "no module instantiated yet".to_string()),
        }
    }

    fn compile_bytes(&self, bytes: &[u8]) -> cmref_interp::Result<Module> {
        Module::new(&self.engine, bytes)
    }

    /// Encodes a (possibly quoted) module; text errors count as malformed.
    fn compile_quote(&mut self, module: &mut QuoteWat<'_>) -> cmref_interp::Result<Module> {
        if let QuoteWat::QuoteComponent(..) = module {
            return Err(Error::Unsupported("components".into()));
        }
        let bytes = module
            .encode()
            .map_err(|e| Error::Malformed(format!("text: {e}")))?;
        self.compile_bytes(&bytes)
    }

    fn compile_wat(&mut self, module: &mut Wat<'_>) -> cmref_interp::Result<Module> {
        if let Wat::Component(_) = module {
            return Err(Error::Unsupported("components".into()));
        }
        let bytes = module
            .encode()
            .map_err(|e| Error::Malformed(format!("text: {e}")))?;
        self.compile_bytes(&bytes)
    }

    fn instantiate_quote(&mut self, module: &mut QuoteWat<'_>) -> cmref_interp::Result<Instance> {
        let compiled = self.compile_quote(module)?;
        self.linker.instantiate(&mut self.store, &compiled)
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> cmref_interp::Result<Vec<Val>> {
        let instance = self
            .instance(invoke.module.map(|m| m.name()))
            .map_err(Error::Api)?;
        let func = instance
            .get_func(&self.store, invoke.name)
            .ok_or_else(|| Error::Api(format!("no exported function `{}`", invoke.name)))?;
        let mut args = Vec::with_capacity(invoke.args.len());
        for (i, a) in invoke.args.iter().enumerate() {
            match a {
                // `ref.null $t`: the parameter's type says which null.
                WastArg::Core(WastArgCore::RefNull(HeapType::Concrete(_))) => args.push(
                    self.store
                        .param_default(func, i)
                        .ok_or_else(|| Error::Api(format!("argument {i} cannot be null")))?,
                ),
                WastArg::Core(core) => args.push(core_values::arg(core).map_err(Error::Api)?),
                _ => return Err(Error::Unsupported("component values".into())),
            }
        }
        self.store.call(func, &args)
    }

    fn execute(&mut self, exec: WastExecute<'_>) -> cmref_interp::Result<Vec<Val>> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Wat(mut module) => {
                let compiled = self.compile_wat(&mut module)?;
                self.linker.instantiate(&mut self.store, &compiled)?;
                Ok(Vec::new())
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self
                    .instance(module.map(|m| m.name()))
                    .map_err(Error::Api)?;
                match instance.get_export(&self.store, global) {
                    Some(Extern::Global(g)) => Ok(vec![g.get(&mut self.store)]),
                    _ => Err(Error::Api(format!("no exported global `{global}`"))),
                }
            }
        }
    }

    fn check_results(&self, expected: &[WastRet<'_>], actual: &[Val]) -> Outcome {
        let mut expected_core: Vec<&WastRetCore<'_>> = Vec::new();
        for e in expected {
            match e {
                WastRet::Core(c) => expected_core.push(c),
                _ => return Err("component result patterns are not supported yet".into()),
            }
        }
        let mut ok = expected_core.len() == actual.len();
        if ok {
            for (e, a) in expected_core.iter().zip(actual) {
                if !core_values::matches(e, a)? {
                    ok = false;
                }
            }
        }
        if ok {
            Ok(())
        } else {
            let shown: Vec<String> = expected_core
                .iter()
                .map(|e| core_values::show_expected(e))
                .collect();
            Err(format!(
                "expected [{}]\nactual   {}",
                shown.join(", "),
                core_values::show_all(actual)
            ))
        }
    }
}

/// The `$id` of a module directive, if it has one.
fn quote_id(module: &QuoteWat<'_>) -> Option<String> {
    match module {
        QuoteWat::Wat(Wat::Module(m)) => m.id.map(|id| id.name().to_string()),
        QuoteWat::Wat(Wat::Component(c)) => c.id.map(|id| id.name().to_string()),
        _ => None,
    }
}
