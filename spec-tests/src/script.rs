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

use crate::component::{self as cm, ComponentState};
use crate::core_values;
use crate::report::{DirectiveResult, FileReport};
use crate::spectest;
use crate::threads;

/// How scripts are run.
#[derive(Clone, Debug)]
pub struct ScriptOptions {
    pub features: WasmFeatures,
    pub nondet: NondetMode,
    /// Collect garbage before every allocation (`Config::gc_stress`).
    pub gc_stress: bool,
    /// Record the store's trace into `FileReport::trace`.
    pub trace: bool,
}

impl Default for ScriptOptions {
    fn default() -> Self {
        ScriptOptions {
            features: WasmFeatures::WASM2,
            nondet: NondetMode::Deterministic,
            gc_stress: false,
            trace: false,
        }
    }
}

/// Runs a script and reports every directive.
pub fn run_script(path: &str, source: &str, options: &ScriptOptions) -> FileReport {
    let mut report = FileReport {
        path: path.to_string(),
        results: Vec::new(),
        trace: None,
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
    // Scripts with `thread` directives interleave wasm threads, which
    // needs fuel metering for preemption (see `threads`).
    let threaded = wast
        .directives
        .iter()
        .any(|d| matches!(d, WastDirective::Thread(_)));
    let mut runner = match Runner::new(options, threaded) {
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
    let trace = options.trace.then(cmref_interp::trace::TraceBuffer::new);
    if let Some(buf) = &trace {
        runner.store.set_trace(Some(Box::new(buf.clone())));
    }
    if threaded {
        threads::run(&mut runner, wast.directives, source, &mut report);
        report.trace = trace.map(|b| b.contents());
        return report;
    }
    for directive in wast.directives {
        let at = position(&directive, source);
        if trace.is_some() {
            runner.store.trace_note(&format!("line {}", at.0));
        }
        let kind = directive_kind(&directive);
        // References a directive's results hold are only compared within it.
        let roots = runner.store.roots_mark();
        let outcome = guarded(|| runner.directive(directive));
        runner.store.release_roots(roots);
        report.results.push(result_at(at, kind, outcome));
    }
    report.trace = trace.map(|b| b.contents());
    report
}

/// The 1-based line and column of a directive.
pub(crate) fn position(d: &WastDirective<'_>, source: &str) -> (u32, u32) {
    let (line, col) = d.span().linecol_in(source);
    (line as u32 + 1, col as u32 + 1)
}

pub(crate) fn result_at(at: (u32, u32), kind: &'static str, outcome: Outcome) -> DirectiveResult {
    DirectiveResult {
        line: at.0,
        col: at.1,
        kind,
        failure: outcome.err(),
    }
}

/// Runs `f`, turning a panic (a bug in cmref) into a failure, so one
/// directive's failure does not lose the whole file.
pub(crate) fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Err(format!("cmref panicked: {msg}"))
    })
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

pub(crate) fn directive_kind(d: &WastDirective<'_>) -> &'static str {
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

pub(crate) type Outcome = Result<(), String>;

/// A core module or a component, compiled.
enum Compiled {
    Core(Module),
    Component(cmref_interp::component::Component),
}

/// An instance a directive can address: core or component.
#[derive(Clone)]
pub(crate) enum Target {
    Core(Instance),
    Component(cmref_interp::component::Instance),
}

/// What an invocation returned.
pub(crate) enum Results {
    Core(Vec<Val>),
    Component(Vec<cmref_interp::component::Val>),
}

impl Results {
    fn show(&self) -> String {
        match self {
            Results::Core(v) => core_values::show_all(v),
            Results::Component(v) => cm::show_all(v),
        }
    }
}

pub(crate) struct Runner {
    engine: Engine,
    pub(crate) store: Store,
    linker: Linker,
    definitions: HashMap<String, Module>,
    instances: HashMap<String, Instance>,
    current: Option<Target>,
    components: ComponentState,
}

/// What a directive that calls a function expects of the call.
pub(crate) enum Expect<'a> {
    /// `invoke`: only that it does not fail.
    Success,
    Return(Vec<WastRet<'a>>),
    Trap(&'a str),
    Exhaustion(&'a str),
    /// `assert_exception`: an exception leaves the call.
    Exception,
}

/// The text of an error for failure messages.
pub(crate) fn describe(e: &Error) -> String {
    match e {
        Error::Trap(t) if !t.backtrace.is_empty() => {
            format!("{e}\n{}", t.backtrace_string().trim_end())
        }
        _ => e.to_string(),
    }
}

impl Runner {
    /// A runner with the `spectest` module; `preemptive` meters fuel so
    /// that interleaved threads can be preempted.
    fn new(options: &ScriptOptions, preemptive: bool) -> cmref_interp::Result<Runner> {
        let config = Config::default()
            .features(options.features)
            .nondet(options.nondet)
            .gc_stress(options.gc_stress)
            .fuel(preemptive.then_some(u64::MAX));
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
            components: ComponentState::default(),
        })
    }

    pub(crate) fn directive(&mut self, d: WastDirective<'_>) -> Outcome {
        match d {
            WastDirective::Module(mut module) => {
                let name = quote_id(&module);
                let compiled = self.compile_quote(&mut module).map_err(|e| describe(&e))?;
                let target = self.instantiate(&compiled).map_err(|e| describe(&e))?;
                self.bind(name, target);
                Ok(())
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = quote_id(&module);
                let compiled = self.compile_quote(&mut module).map_err(|e| describe(&e))?;
                if let Some(name) = name {
                    match compiled {
                        Compiled::Core(m) => {
                            self.definitions.insert(name, m);
                        }
                        Compiled::Component(c) => {
                            self.components.definitions.insert(name, c);
                        }
                    }
                }
                Ok(())
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let name = module.map(|m| m.name());
                let compiled = match name.and_then(|n| self.components.definitions.get(n)) {
                    Some(c) => Compiled::Component(c.clone()),
                    None => Compiled::Core(
                        name.and_then(|n| self.definitions.get(n))
                            .cloned()
                            .ok_or("module instance: unknown module definition")?,
                    ),
                };
                let target = self.instantiate(&compiled).map_err(|e| describe(&e))?;
                self.bind(instance.map(|i| i.name().to_string()), target);
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                match self.target(module.map(|m| m.name()))? {
                    Target::Core(inst) => {
                        self.linker.instance(&self.store, name, inst);
                    }
                    Target::Component(inst) => {
                        self.components
                            .linker
                            .root()
                            .instance_exports(name, &inst)
                            .map_err(|e| describe(&e))?;
                    }
                }
                Ok(())
            }
            WastDirective::Invoke(invoke) => {
                let actual = self.invoke(&invoke);
                self.judge(&Expect::Success, false, actual)
            }
            WastDirective::AssertReturn { exec, results, .. } => {
                let actual = self.execute(exec);
                self.judge(&Expect::Return(results), false, actual)
            }
            WastDirective::AssertTrap { exec, message, .. } => {
                let component = self.is_component_exec(&exec);
                let actual = self.execute(exec);
                self.judge(&Expect::Trap(message), component, actual)
            }
            WastDirective::AssertExhaustion { call, message, .. } => {
                let actual = self.invoke(&call);
                self.judge(&Expect::Exhaustion(message), false, actual)
            }
            WastDirective::AssertException { exec, .. } => {
                let actual = self.execute(exec);
                self.judge(&Expect::Exception, false, actual)
            }
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
                match self.instantiate(&compiled) {
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
            WastDirective::AssertMalformedCustom {
                mut module,
                message,
                ..
            }
            | WastDirective::AssertInvalidCustom {
                mut module,
                message,
                ..
            } => self.custom_error(&mut module, message),
            other => Err(format!(
                "directive `{}` is not supported yet",
                directive_kind(&other)
            )),
        }
    }

    /// `assert_malformed_custom` and `assert_invalid_custom`: the module's
    /// custom section (or the annotation it comes from) is erroneous. The
    /// core spec makes engines ignore custom sections, and cmref interprets
    /// none but the name section, leniently; so the assertion holds when
    /// the text is rejected for its annotations, or when the module still
    /// decodes and validates as a core module. A core decoding or
    /// validation error means the module is broken beyond its custom
    /// sections, and fails the assertion.
    fn custom_error(&mut self, module: &mut QuoteWat<'_>, message: &str) -> Outcome {
        match self.compile_quote(module) {
            Ok(_) => Ok(()),
            Err(Error::Malformed(m)) if m.starts_with(TEXT_ERROR) => Ok(()),
            Err(e) => Err(format!(
                "expected only a custom-section error (`{message}`), got {}",
                describe(&e)
            )),
        }
    }

    /// Judges the outcome of a directive's call against what it expects.
    /// `component` says whether the call ran a component (whose traps are
    /// compared by rule; see `cm::trap_matches`).
    pub(crate) fn judge(
        &self,
        expect: &Expect<'_>,
        component: bool,
        actual: cmref_interp::Result<Results>,
    ) -> Outcome {
        match (expect, actual) {
            (Expect::Success, actual) => actual.map(|_| ()).map_err(|e| describe(&e)),
            (Expect::Return(results), Ok(Results::Core(vals))) => {
                self.check_results(results, &vals)
            }
            (Expect::Return(results), Ok(Results::Component(vals))) => {
                check_component_results(results, &vals)
            }
            (Expect::Return(_), Err(e)) => Err(format!("expected results, got {}", describe(&e))),
            (Expect::Trap(message), Ok(vals)) => {
                Err(format!("expected trap `{message}`, got {}", vals.show()))
            }
            (Expect::Trap(message), Err(Error::Trap(t)))
                if (!component && t.message.contains(message))
                    || (component && cm::trap_matches(message, &t)) =>
            {
                Ok(())
            }
            (Expect::Trap(message), Err(e)) => {
                Err(format!("expected trap `{message}`, got {}", describe(&e)))
            }
            (Expect::Exhaustion(message), Ok(vals)) => Err(format!(
                "expected exhaustion `{message}`, got {}",
                vals.show()
            )),
            (Expect::Exhaustion(_), Err(Error::Trap(t)))
                if t.kind == TrapKind::CallStackExhausted =>
            {
                Ok(())
            }
            (Expect::Exhaustion(message), Err(e)) => Err(format!(
                "expected exhaustion `{message}`, got {}",
                describe(&e)
            )),
            (Expect::Exception, Ok(vals)) => {
                Err(format!("expected an exception, got {}", vals.show()))
            }
            (Expect::Exception, Err(Error::Exception(_))) => Ok(()),
            (Expect::Exception, Err(e)) => {
                Err(format!("expected an exception, got {}", describe(&e)))
            }
        }
    }

    /// Exchanges the per-thread part of the runner (registrations, module
    /// definitions and instances by name, the current instance) with `env`.
    pub(crate) fn swap_env(&mut self, env: &mut threads::Env) {
        std::mem::swap(&mut self.linker, &mut env.linker);
        std::mem::swap(&mut self.definitions, &mut env.definitions);
        std::mem::swap(&mut self.instances, &mut env.instances);
        std::mem::swap(&mut self.current, &mut env.current);
    }

    fn bind(&mut self, name: Option<String>, target: Target) {
        if let Some(name) = name {
            match &target {
                Target::Core(i) => {
                    self.instances.insert(name, *i);
                }
                Target::Component(i) => {
                    self.components.instances.insert(name, i.clone());
                }
            }
        }
        self.current = Some(target);
    }

    /// A module definition by name.
    pub(crate) fn definition(&self, name: &str) -> Option<Module> {
        self.definitions.get(name).cloned()
    }

    fn target(&self, name: Option<&str>) -> Result<Target, String> {
        match name {
            Some(name) => match self.components.instances.get(name) {
                Some(i) => Ok(Target::Component(i.clone())),
                None => self
                    .instances
                    .get(name)
                    .map(|i| Target::Core(*i))
                    .ok_or_else(|| format!("unknown instance `{name}`")),
            },
            None => self
                .current
                .clone()
                .ok_or_else(|| "no module instantiated yet".to_string()),
        }
    }

    pub(crate) fn instance(&self, name: Option<&str>) -> Result<Instance, String> {
        match self.target(name)? {
            Target::Core(i) => Ok(i),
            Target::Component(_) => {
                Err("expected a core module instance, found a component instance".into())
            }
        }
    }

    /// Whether an `assert_trap`'s action runs a component.
    fn is_component_exec(&self, exec: &WastExecute<'_>) -> bool {
        match exec {
            WastExecute::Invoke(i) => matches!(
                self.target(i.module.map(|m| m.name())),
                Ok(Target::Component(_))
            ),
            WastExecute::Wat(Wat::Component(_)) => true,
            _ => false,
        }
    }

    fn compile_bytes(&self, bytes: &[u8]) -> cmref_interp::Result<Compiled> {
        if cm::is_component(bytes) {
            return self
                .components
                .compile(&self.engine, bytes)
                .map(Compiled::Component);
        }
        Module::new(&self.engine, bytes).map(Compiled::Core)
    }

    /// Encodes a (possibly quoted) module or component; text errors count
    /// as malformed.
    fn compile_quote(&mut self, module: &mut QuoteWat<'_>) -> cmref_interp::Result<Compiled> {
        let bytes = module
            .encode()
            .map_err(|e| Error::Malformed(format!("{TEXT_ERROR}{e}")))?;
        self.compile_bytes(&bytes)
    }

    fn compile_wat(&mut self, module: &mut Wat<'_>) -> cmref_interp::Result<Compiled> {
        let bytes = module
            .encode()
            .map_err(|e| Error::Malformed(format!("{TEXT_ERROR}{e}")))?;
        self.compile_bytes(&bytes)
    }

    fn instantiate(&mut self, compiled: &Compiled) -> cmref_interp::Result<Target> {
        match compiled {
            Compiled::Core(m) => self
                .linker
                .instantiate(&mut self.store, m)
                .map(Target::Core),
            Compiled::Component(c) => self
                .components
                .instantiate(&mut self.store, c)
                .map(Target::Component),
        }
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> cmref_interp::Result<Results> {
        match self
            .target(invoke.module.map(|m| m.name()))
            .map_err(Error::Api)?
        {
            Target::Core(_) => {
                let (func, args) = self.callee(invoke)?;
                self.store.call(func, &args).map(Results::Core)
            }
            Target::Component(instance) => self
                .components
                .invoke(&mut self.store, &instance, invoke)
                .map(Results::Component),
        }
    }

    /// The core function an `invoke` calls, and its arguments.
    pub(crate) fn callee(
        &self,
        invoke: &WastInvoke<'_>,
    ) -> cmref_interp::Result<(cmref_interp::Func, Vec<Val>)> {
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
        Ok((func, args))
    }

    fn execute(&mut self, exec: WastExecute<'_>) -> cmref_interp::Result<Results> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Wat(mut module) => {
                let compiled = self.compile_wat(&mut module)?;
                self.instantiate(&compiled)?;
                Ok(Results::Core(Vec::new()))
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self
                    .instance(module.map(|m| m.name()))
                    .map_err(Error::Api)?;
                match instance.get_export(&self.store, global) {
                    Some(Extern::Global(g)) => Ok(Results::Core(vec![g.get(&mut self.store)])),
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

/// Compares component results with the expected ones.
fn check_component_results(
    expected: &[WastRet<'_>],
    actual: &[cmref_interp::component::Val],
) -> Outcome {
    let mut ok = expected.len() == actual.len();
    if ok {
        for (e, a) in expected.iter().zip(actual) {
            if !cm::ret_matches(e, a)? {
                ok = false;
            }
        }
    }
    if ok {
        return Ok(());
    }
    let shown: Vec<String> = expected.iter().map(cm::show_expected).collect();
    Err(format!(
        "expected [{}]\nactual   {}",
        shown.join(", "),
        cm::show_all(actual)
    ))
}

/// How errors of the text format (rather than of the binary) start.
const TEXT_ERROR: &str = "text: ";

/// The `$id` of a module directive, if it has one.
fn quote_id(module: &QuoteWat<'_>) -> Option<String> {
    match module {
        QuoteWat::Wat(Wat::Module(m)) => m.id.map(|id| id.name().to_string()),
        QuoteWat::Wat(Wat::Component(c)) => c.id.map(|id| id.name().to_string()),
        _ => None,
    }
}
