//! Script threads: the `thread` and `wait` directives of the threads
//! proposal's test format.
//!
//! `(thread $T (shared (module $M)) directive...)` starts a script thread
//! that runs its directives concurrently with the rest of the script, in an
//! environment of its own: its own registrations and names, with only the
//! `spectest` module and the shared module `$M` (an instance whose exports
//! are all shared memories) visible. `(wait $T)` blocks until `$T` has run
//! all its directives. Every script thread lives on the script's one store.
//!
//! The script threads are interleaved, never run in parallel. Each turn
//! runs one directive of one thread, or one time slice of the wasm call a
//! directive of it made; a call gives up its turn when it blocks in
//! `memory.atomic.wait` or its slice of fuel ends (the engine of a threaded
//! script meters fuel for this). The store's [`cmref_interp::Nondet`]
//! chooses the next thread: by default the one that just finished a
//! directive goes on, and otherwise the next runnable thread in order of
//! creation; with a seed, any runnable thread. When no thread can run,
//! virtual time passes to the next timeout; when there is none, every
//! blocked call ends in a deadlock trap, so a script never hangs on waits.
//!
//! As in the reference interpreter, the script ends when its main thread
//! does; a directive of a thread that has not run by then is reported as a
//! failure.

use std::collections::{HashMap, VecDeque};

use cmref_interp::{Error, Extern, Instance, Linker, Module, Outcome, Thread, Val};
use wast::{WastDirective, WastExecute, WastInvoke, WastThread};

use crate::report::{DirectiveResult, FileReport};
use crate::script::{
    self, Expect, Results, Runner, Target, directive_kind, guarded, position, result_at,
};

/// The part of the script state that belongs to one script thread.
#[derive(Default)]
pub(crate) struct Env {
    pub(crate) linker: Linker,
    pub(crate) definitions: HashMap<String, Module>,
    pub(crate) instances: HashMap<String, Instance>,
    pub(crate) current: Option<Target>,
}

/// A wasm call a directive made that has not finished yet.
struct Call<'a> {
    thread: Thread,
    expect: Expect<'a>,
    at: (u32, u32),
    kind: &'static str,
}

struct Task<'a> {
    /// For messages: `$T`, or "the main script".
    name: String,
    directives: VecDeque<WastDirective<'a>>,
    /// Swapped into the runner while the task has its turn.
    env: Env,
    /// The threads it started, by name (`wait` names only these).
    children: HashMap<String, usize>,
    call: Option<Call<'a>>,
}

impl Task<'_> {
    fn done(&self) -> bool {
        self.call.is_none() && self.directives.is_empty()
    }
}

struct Driver<'r, 'a> {
    runner: &'r mut Runner,
    source: &'a str,
    tasks: Vec<Task<'a>>,
    /// A linker holding only the `spectest` module, for new threads.
    spectest: Linker,
    results: Vec<DirectiveResult>,
}

/// Runs the directives of a script that starts threads.
pub(crate) fn run<'a>(
    runner: &mut Runner,
    directives: Vec<WastDirective<'a>>,
    source: &'a str,
    report: &mut FileReport,
) {
    let mut env = Env::default();
    runner.swap_env(&mut env);
    let spectest = env.linker.clone();
    let mut driver = Driver {
        runner,
        source,
        tasks: vec![Task {
            name: "the main script".into(),
            directives: directives.into(),
            env,
            children: HashMap::new(),
            call: None,
        }],
        spectest,
        results: Vec::new(),
    };
    driver.run();
    driver.report_unfinished();
    let mut results = driver.results;
    // Threads finish directives in schedule order; report in script order.
    results.sort_by_key(|r| (r.line, r.col));
    report.results.extend(results);
}

impl<'a> Driver<'_, 'a> {
    fn run(&mut self) {
        let (mut last, mut may_stay) = (None, false);
        while !self.tasks[0].done() {
            let runnable: Vec<usize> = (0..self.tasks.len())
                .filter(|&i| self.runnable(i))
                .collect();
            let pick = self
                .runner
                .store
                .nondet_mut()
                .pick_thread(&runnable, last, may_stay);
            match pick {
                Some(i) => {
                    may_stay = self.turn(i);
                    last = Some(i);
                }
                None => {
                    if !self.runner.store.advance_time() && !self.break_deadlock() {
                        // Nothing can ever run again (cannot happen: joins
                        // only name children, so they form no cycle).
                        break;
                    }
                }
            }
        }
    }

    fn runnable(&self, i: usize) -> bool {
        let task = &self.tasks[i];
        match &task.call {
            Some(call) => !call.thread.is_waiting(&self.runner.store),
            None => match task.directives.front() {
                None => false,
                Some(WastDirective::Wait { thread, .. }) => task
                    .children
                    .get(thread.name())
                    .is_none_or(|&child| self.tasks[child].done()),
                Some(_) => true,
            },
        }
    }

    /// Gives task `i` a turn; true if it finished a directive (and so may
    /// simply go on), false if its call blocked or was preempted.
    ///
    /// The references a turn's results hold are only compared within it: a
    /// directive's results are judged in the turn its call finishes, and a
    /// call that is still running holds no embedder roots (its references
    /// are in its thread, parked in the store). So the roots a turn took
    /// are released when it ends.
    fn turn(&mut self, i: usize) -> bool {
        let roots = self.runner.store.roots_mark();
        self.runner.swap_env(&mut self.tasks[i].env);
        let may_stay = self.turn_in_env(i);
        self.runner.swap_env(&mut self.tasks[i].env);
        self.runner.store.release_roots(roots);
        may_stay
    }

    fn turn_in_env(&mut self, i: usize) -> bool {
        if self.tasks[i].call.is_some() {
            return self.resume(i);
        }
        let Some(d) = self.tasks[i].directives.pop_front() else {
            return false;
        };
        let at = position(&d, self.source);
        let kind = directive_kind(&d);
        match d {
            WastDirective::Thread(thread) => {
                let outcome = self.spawn(i, thread);
                self.record(at, kind, outcome);
            }
            WastDirective::Wait { thread, .. } => {
                // Runnable only once the thread is done.
                let outcome = match self.tasks[i].children.contains_key(thread.name()) {
                    true => Ok(()),
                    false => Err(format!("unknown thread ${}", thread.name())),
                };
                self.record(at, kind, outcome);
            }
            WastDirective::Invoke(invoke) => {
                return self.start(i, &invoke, Expect::Success, at, kind);
            }
            WastDirective::AssertReturn {
                exec: WastExecute::Invoke(invoke),
                results,
                ..
            } => return self.start(i, &invoke, Expect::Return(results), at, kind),
            WastDirective::AssertTrap {
                exec: WastExecute::Invoke(invoke),
                message,
                ..
            } => return self.start(i, &invoke, Expect::Trap(message), at, kind),
            WastDirective::AssertExhaustion { call, message, .. } => {
                return self.start(i, &call, Expect::Exhaustion(message), at, kind);
            }
            WastDirective::AssertException {
                exec: WastExecute::Invoke(invoke),
                ..
            } => return self.start(i, &invoke, Expect::Exception, at, kind),
            other => {
                let outcome = guarded(|| self.runner.directive(other));
                self.record(at, kind, outcome);
            }
        }
        true
    }

    /// Starts the call of an invoking directive and gives it its first slice.
    fn start(
        &mut self,
        i: usize,
        invoke: &WastInvoke<'_>,
        expect: Expect<'a>,
        at: (u32, u32),
        kind: &'static str,
    ) -> bool {
        let thread = self
            .runner
            .callee(invoke)
            .and_then(|(func, args)| Thread::new(&mut self.runner.store, func, &args));
        match thread {
            Ok(thread) => {
                self.tasks[i].call = Some(Call {
                    thread,
                    expect,
                    at,
                    kind,
                });
                self.resume(i)
            }
            Err(e) => {
                let outcome = self.runner.judge(&expect, false, Err(e));
                self.record(at, kind, outcome);
                true
            }
        }
    }

    /// Resumes task `i`'s call for one time slice.
    fn resume(&mut self, i: usize) -> bool {
        let slice = self.runner.store.nondet_mut().time_slice();
        self.runner.store.set_time_slice(Some(slice));
        let Some(call) = self.tasks[i].call.as_mut() else {
            return true;
        };
        let store = &mut self.runner.store;
        let outcome = guarded(|| Ok(call.thread.resume(store, &[])));
        let actual = match outcome {
            Ok(Ok(Outcome::Waiting | Outcome::Yielded)) => return false,
            Ok(Ok(Outcome::Finished(vals))) => Ok(vals),
            Ok(Ok(Outcome::Suspended(_))) => Err(Error::Api(
                "a host function suspended a script thread".into(),
            )),
            Ok(Err(e)) => Err(e),
            Err(panic) => {
                if let Some(call) = self.tasks[i].call.take() {
                    self.record(call.at, call.kind, Err(panic));
                }
                return true;
            }
        };
        self.finish(i, actual);
        true
    }

    fn finish(&mut self, i: usize, actual: cmref_interp::Result<Vec<Val>>) {
        if let Some(call) = self.tasks[i].call.take() {
            let outcome = self
                .runner
                .judge(&call.expect, false, actual.map(Results::Core));
            self.record(call.at, call.kind, outcome);
        }
    }

    /// Starts a script thread from within task `parent`.
    fn spawn(&mut self, parent: usize, thread: WastThread<'a>) -> script::Outcome {
        let mut env = Env {
            linker: self.spectest.clone(),
            ..Env::default()
        };
        if let Some(shared) = thread.shared_module {
            let name = shared.name();
            let instance = self.runner.instance(Some(name))?;
            let store = &self.runner.store;
            let sharable = instance
                .exports(store)
                .iter()
                .all(|(_, ext)| matches!(ext, Extern::Memory(m) if m.ty(store).shared));
            if !sharable {
                return Err(format!("module ${name} is not sharable"));
            }
            env.instances.insert(name.to_string(), instance);
            env.current = Some(Target::Core(instance));
            if let Some(def) = self.runner.definition(name) {
                env.definitions.insert(name.to_string(), def);
            }
        }
        let id = self.tasks.len();
        self.tasks.push(Task {
            name: format!("${}", thread.name.name()),
            directives: thread.directives.into(),
            env,
            children: HashMap::new(),
            call: None,
        });
        self.tasks[parent]
            .children
            .insert(thread.name.name().to_string(), id);
        Ok(())
    }

    /// Ends every call blocked in a wait nothing can wake; false if there
    /// was none.
    fn break_deadlock(&mut self) -> bool {
        let mut any = false;
        for i in 0..self.tasks.len() {
            let store = &mut self.runner.store;
            let Some(call) = self.tasks[i].call.as_mut() else {
                continue;
            };
            if call.thread.is_waiting(store) {
                let error = call.thread.deadlock(store);
                self.finish(i, Err(error));
                any = true;
            }
        }
        any
    }

    /// Reports every directive that had not run when the script ended.
    fn report_unfinished(&mut self) {
        let mut unfinished = Vec::new();
        for task in &mut self.tasks {
            let why = format!("the script ended before {} ran this directive", task.name);
            if let Some(call) = task.call.take() {
                unfinished.push(result_at(call.at, call.kind, Err(why.clone())));
            }
            for d in task.directives.drain(..) {
                let at = position(&d, self.source);
                unfinished.push(result_at(at, directive_kind(&d), Err(why.clone())));
            }
        }
        self.results.extend(unfinished);
    }

    fn record(&mut self, at: (u32, u32), kind: &'static str, outcome: script::Outcome) {
        self.results.push(result_at(at, kind, outcome));
    }
}
