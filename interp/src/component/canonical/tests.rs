//! Unit tests of the Canonical ABI pieces, after the cases of the spec's
//! `canonical-abi/run_tests.py` (layouts, flattening, flat lifting, NaNs,
//! string round trips in every encoding pair and both address types, lists
//! in memory). Expected layouts were computed with definitions.py.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::abi::{PtrType, alignment, discriminant_type, elem_size};
use super::context::LiftLowerContext;
use super::flattening::{Context, CoreType, flatten_functype, flatten_type};
use super::instance::ComponentInstance;
use super::lift_flat::{CoreValueIter, lift_flat};
use super::load::{canonicalize_nan32, canonicalize_nan64, load};
use super::lower_flat::lower_flat;
use super::options::{CanonicalOptions, LiftLowerOptions, LiftOptions, MemInst, StringEncoding};
use super::storing::{maybe_scramble_nan32, maybe_scramble_nan64};
use super::strings::{load_string_from_range, store_string_into_range, utf16_tag};
use crate::component::store::InstanceId;
use crate::component::types::{FuncType, ValType};
use crate::component::values::{Str, Val};
use crate::config::{Config, Engine};
use crate::error::{Error, Trap};
use crate::nondet::{F32_CANONICAL_NAN, F64_CANONICAL_NAN, Nondet, NondetMode};
use crate::runtime::Memory;
use crate::runtime::store::Store;
use crate::values::{Func as CoreFunc, Val as CoreVal};

use CoreType::{F32, F64, I32, I64};

fn s(x: &str) -> String {
    x.to_string()
}

/// The layouts definitions.py gives for these types (`abi.py` run on it).
/// Alignment, size and flattening for i32 and i64 pointers.
type Layout = [(u32, u64, Vec<CoreType>); 2];

#[test]
fn alignments_sizes_and_flattenings_match_definitions_py() {
    let cases: Vec<(ValType, Layout)> = vec![
        (
            ValType::record(vec![
                (s("a"), ValType::U8),
                (s("b"), ValType::U16),
                (s("c"), ValType::U32),
            ]),
            [(4, 8, vec![I32, I32, I32]), (4, 8, vec![I32, I32, I32])],
        ),
        (
            ValType::tuple(vec![
                ValType::tuple(vec![ValType::U16, ValType::U8]),
                ValType::U8,
            ]),
            [(2, 6, vec![I32, I32, I32]), (2, 6, vec![I32, I32, I32])],
        ),
        (
            ValType::variant(vec![
                (s("x"), Some(ValType::U8)),
                (s("y"), Some(ValType::F32)),
                (s("z"), None),
            ]),
            [(4, 8, vec![I32, I32]), (4, 8, vec![I32, I32])],
        ),
        (
            ValType::variant(vec![
                (s("a"), Some(ValType::U64)),
                (s("b"), Some(ValType::String)),
            ]),
            [(8, 16, vec![I32, I64, I32]), (8, 24, vec![I32, I64, I64])],
        ),
        (
            ValType::option(ValType::F64),
            [(8, 16, vec![I32, F64]), (8, 16, vec![I32, F64])],
        ),
        (
            ValType::result(None, Some(ValType::String)),
            [(4, 12, vec![I32, I32, I32]), (8, 24, vec![I32, I64, I64])],
        ),
        (
            ValType::flags((0..9).map(|i| i.to_string()).collect()),
            [(2, 2, vec![I32]), (2, 2, vec![I32])],
        ),
        (
            ValType::flags((0..32).map(|i| i.to_string()).collect()),
            [(4, 4, vec![I32]), (4, 4, vec![I32])],
        ),
        (
            ValType::fixed_list(ValType::U32, 3),
            [(4, 12, vec![I32; 3]), (4, 12, vec![I32; 3])],
        ),
        (
            ValType::list(ValType::String),
            [(4, 8, vec![I32, I32]), (8, 16, vec![I64, I64])],
        ),
        (
            ValType::fixed_list(ValType::fixed_list(ValType::U8, 2), 3),
            [(1, 6, vec![I32; 6]), (1, 6, vec![I32; 6])],
        ),
        (
            ValType::map(ValType::U8, ValType::U16),
            [(4, 8, vec![I32, I32]), (8, 16, vec![I64, I64])],
        ),
        (
            ValType::tuple(vec![ValType::String, ValType::U64]),
            [(8, 16, vec![I32, I32, I64]), (8, 24, vec![I64, I64, I64])],
        ),
        (
            ValType::variant(vec![
                (s("a"), Some(ValType::F32)),
                (s("b"), Some(ValType::S64)),
            ]),
            [(8, 16, vec![I32, I64]), (8, 16, vec![I32, I64])],
        ),
        (
            ValType::variant(vec![
                (s("a"), Some(ValType::F32)),
                (s("b"), Some(ValType::U32)),
            ]),
            [(4, 8, vec![I32, I32]), (4, 8, vec![I32, I32])],
        ),
        (
            ValType::variant(vec![
                (s("a"), Some(ValType::F64)),
                (s("b"), Some(ValType::F32)),
            ]),
            [(8, 16, vec![I32, I64]), (8, 16, vec![I32, I64])],
        ),
    ];
    for (t, expected) in cases {
        for (ptr, (a, size, flat)) in [PtrType::I32, PtrType::I64].into_iter().zip(expected) {
            assert_eq!(alignment(&t, ptr), a, "alignment({t}, {ptr:?})");
            assert_eq!(elem_size(&t, ptr), size, "elem_size({t}, {ptr:?})");
            assert_eq!(
                flatten_type(&t, ptr).types,
                flat,
                "flatten_type({t}, {ptr:?})"
            );
        }
    }
}

#[test]
fn discriminants_grow_with_the_case_count() {
    let enum_of = |n: usize| ValType::enum_((0..n).map(|i| i.to_string()).collect());
    for (n, size) in [(1, 1), (2, 1), (256, 1), (257, 2), (65536, 2), (65537, 4)] {
        assert_eq!(elem_size(&enum_of(n), PtrType::I32), size, "{n} cases");
        let e = enum_of(n);
        let super::abi::Despecialized::Variant(cases) = super::abi::despecialize(&e) else {
            panic!("an enum despecializes to a variant");
        };
        assert_eq!(elem_size(&discriminant_type(cases), PtrType::I32), size);
    }
}

/// A fixed-length list of a billion elements flattens in constant space
/// and its size saturates instead of overflowing.
#[test]
fn huge_fixed_lists_flatten_and_size_without_blowing_up() {
    let big = ValType::fixed_list(ValType::fixed_list(ValType::U64, 1 << 30), 1 << 30);
    let flat = flatten_type(&big, PtrType::I32);
    assert!(flat.len() > 16 && flat.truncated);
    assert_eq!(elem_size(&big, PtrType::I32), 1u64 << 63);
    let bigger = ValType::fixed_list(big, 1 << 30);
    assert_eq!(elem_size(&bigger, PtrType::I32), u64::MAX);
}

fn functype(params: Vec<ValType>, result: Option<ValType>) -> FuncType {
    FuncType::new(
        params
            .into_iter()
            .enumerate()
            .map(|(i, t)| (format!("p{i}"), t))
            .collect(),
        result,
    )
}

fn opts_with(ptr: PtrType, memory: Option<Memory>) -> CanonicalOptions {
    CanonicalOptions {
        lift_lower: LiftLowerOptions {
            lift: LiftOptions {
                string_encoding: StringEncoding::Utf8,
                memory: memory.map(|memory| MemInst {
                    memory,
                    addrtype: ptr,
                }),
            },
            realloc: None,
        },
        ..Default::default()
    }
}

/// run_tests.py `test_flatten`.
#[test]
fn flatten_functype_spills_like_the_spec() {
    let mut store = Store::new(&Engine::default());
    for ptr in [PtrType::I32, PtrType::I64] {
        let mem = Memory::new(
            &mut store,
            wasmparser::MemoryType {
                memory64: ptr == PtrType::I64,
                shared: false,
                initial: 0,
                maximum: None,
                page_size_log2: None,
            },
        )
        .unwrap();
        let opts = opts_with(ptr, Some(mem));
        let p = CoreType::ptr(ptr);
        let three = vec![ValType::U8, ValType::F32, ValType::F64];
        let cases: Vec<(FuncType, Vec<CoreType>, Vec<CoreType>)> = vec![
            (functype(three.clone(), None), vec![I32, F32, F64], vec![]),
            (
                functype(three.clone(), Some(ValType::F32)),
                vec![I32, F32, F64],
                vec![F32],
            ),
            (
                functype(three.clone(), Some(ValType::U8)),
                vec![I32, F32, F64],
                vec![I32],
            ),
            (
                functype(three.clone(), Some(ValType::tuple(vec![ValType::F32]))),
                vec![I32, F32, F64],
                vec![F32],
            ),
            (
                functype(
                    three.clone(),
                    Some(ValType::tuple(vec![ValType::F32, ValType::F32])),
                ),
                vec![I32, F32, F64],
                vec![F32, F32],
            ),
            (functype(vec![ValType::U8; 17], None), vec![I32; 17], vec![]),
            (
                functype(
                    vec![ValType::U8; 17],
                    Some(ValType::tuple(vec![ValType::U8, ValType::U8])),
                ),
                vec![I32; 17],
                vec![I32, I32],
            ),
        ];
        for (ft, params, results) in cases {
            let mut expect_params = if params.len() > 16 { vec![p] } else { params };
            let expect_results = if results.len() > 1 {
                vec![p]
            } else {
                results.clone()
            };
            let got = flatten_functype(&opts, &ft, Context::Lift);
            assert_eq!(
                (got.params, got.results),
                (expect_params.clone(), expect_results),
                "lift {ft}"
            );
            let mut expect_results = results;
            if expect_results.len() > 1 {
                expect_params.push(p);
                expect_results = vec![];
            }
            let got = flatten_functype(&opts, &ft, Context::Lower);
            assert_eq!(
                (got.params, got.results),
                (expect_params, expect_results),
                "lower {ft}"
            );
        }
    }
}

/// A store with one component instance and a memory of `bytes`, and a
/// realloc like run_tests.py's `Heap.realloc`.
struct Env {
    store: Store,
    inst: InstanceId,
    memory: Memory,
    realloc: CoreFunc,
    ptr: PtrType,
}

fn env(bytes: &[u8], ptr: PtrType) -> Env {
    env_with(bytes, ptr, Config::default())
}

fn env_with(bytes: &[u8], ptr: PtrType, config: Config) -> Env {
    let mut store = Store::new(&Engine::new(config));
    let inst = InstanceId(store.component.instances.len() as u32);
    store.component.instances.push(ComponentInstance::new(None));
    let memory = Memory::new(
        &mut store,
        wasmparser::MemoryType {
            memory64: ptr == PtrType::I64,
            shared: false,
            initial: 1,
            maximum: None,
            page_size_log2: None,
        },
    )
    .unwrap();
    memory.data_mut(&mut store)[..bytes.len()].copy_from_slice(bytes);
    // Allocations start after the test's bytes.
    let last_alloc = Arc::new(AtomicU64::new(bytes.len() as u64));
    let t = match ptr {
        PtrType::I32 => wasmparser::ValType::I32,
        PtrType::I64 => wasmparser::ValType::I64,
    };
    let ty = wasmparser::FuncType::new([t; 4], [t]);
    let realloc = CoreFunc::new_host(&mut store, ty, move |caller, args| {
        let arg = |i: usize| match args[i] {
            CoreVal::I32(x) => x as u32 as u64,
            CoreVal::I64(x) => x as u64,
            _ => 0,
        };
        let (original_ptr, original_size, align, new_size) = (arg(0), arg(1), arg(2), arg(3));
        let align_to = |p: u64| p.div_ceil(align) * align;
        let ret = if original_ptr != 0 && new_size < original_size {
            align_to(original_ptr)
        } else {
            let ret = align_to(last_alloc.load(Ordering::SeqCst));
            last_alloc.store(ret + new_size, Ordering::SeqCst);
            let data = memory.data_mut(caller.store());
            if ret + new_size > data.len() as u64 {
                return Err(Trap::host("test heap exhausted"));
            }
            let (o, n) = (original_ptr as usize, original_size as usize);
            data.copy_within(o..o + n, ret as usize);
            ret
        };
        Ok(vec![match t {
            wasmparser::ValType::I32 => CoreVal::I32(ret as i32),
            _ => CoreVal::I64(ret as i64),
        }])
    });
    Env {
        store,
        inst,
        memory,
        realloc,
        ptr,
    }
}

impl Env {
    fn cx(&self, encoding: StringEncoding) -> LiftLowerContext {
        let mut opts = opts_with(self.ptr, Some(self.memory));
        opts.lift_lower.lift.string_encoding = encoding;
        opts.lift_lower.realloc = Some(self.realloc);
        LiftLowerContext::new(&self.store, Arc::new(opts), self.inst, None)
    }
}

fn ints(vs: &[u64], types: &[CoreType]) -> Vec<CoreVal> {
    vs.iter()
        .zip(types)
        .map(|(v, t)| match t {
            I32 => CoreVal::I32(*v as u32 as i32),
            I64 => CoreVal::I64(*v as i64),
            F32 => CoreVal::F32(*v as u32),
            F64 => CoreVal::F64(*v),
        })
        .collect()
}

/// run_tests.py `test`: lift_flat of the core values gives `expected` (or
/// traps for `None`), then lower_flat and lift_flat again round-trip it.
fn check(t: &ValType, core: Vec<CoreVal>, expected: Option<Val>) {
    let mut e = env(&[], PtrType::I32);
    let cx = e.cx(StringEncoding::Utf8);
    let mut vi = CoreValueIter::new(core.clone());
    let got = lift_flat(&cx, &mut e.store, &mut vi, t);
    let Some(expected) = expected else {
        assert!(
            matches!(got, Err(Error::Trap(_))),
            "{t} of {core:?}: expected a trap, got {got:?}"
        );
        return;
    };
    assert!(vi.done(), "{t}: not every core value was read");
    assert_eq!(got.unwrap(), expected, "{t} of {core:?}");
    let lowered = lower_flat(&cx, &mut e.store, &expected, t).unwrap();
    let again = lift_flat(&cx, &mut e.store, &mut CoreValueIter::new(lowered), t).unwrap();
    assert_eq!(again, expected, "{t}: re-lift");
}

#[test]
fn flat_lifting_matches_run_tests_py() {
    let rec = ValType::record(vec![
        (s("x"), ValType::U8),
        (s("y"), ValType::U16),
        (s("z"), ValType::U32),
    ]);
    check(
        &rec,
        ints(&[1, 2, 3], &[I32; 3]),
        Some(Val::Record(vec![
            (s("x"), Val::U8(1)),
            (s("y"), Val::U16(2)),
            (s("z"), Val::U32(3)),
        ])),
    );
    let nested = ValType::tuple(vec![
        ValType::tuple(vec![ValType::U8, ValType::U8]),
        ValType::U8,
    ]);
    check(
        &nested,
        ints(&[1, 2, 3], &[I32; 3]),
        Some(Val::Tuple(vec![
            Val::Tuple(vec![Val::U8(1), Val::U8(2)]),
            Val::U8(3),
        ])),
    );
    check(
        &ValType::fixed_list(ValType::U8, 3),
        ints(&[1, 2, 3], &[I32; 3]),
        Some(Val::List(vec![Val::U8(1), Val::U8(2), Val::U8(3)])),
    );
    let flags = ValType::flags(vec![s("a"), s("b")]);
    check(&flags, ints(&[0], &[I32]), Some(Val::Flags(vec![])));
    check(&flags, ints(&[2], &[I32]), Some(Val::Flags(vec![s("b")])));
    check(
        &flags,
        ints(&[3], &[I32]),
        Some(Val::Flags(vec![s("a"), s("b")])),
    );
    check(&flags, ints(&[4], &[I32]), Some(Val::Flags(vec![])));
    let v = ValType::variant(vec![
        (s("x"), Some(ValType::U8)),
        (s("y"), Some(ValType::F32)),
        (s("z"), None),
    ]);
    check(
        &v,
        ints(&[0, 42], &[I32, I32]),
        Some(Val::Variant(s("x"), Some(Box::new(Val::U8(42))))),
    );
    check(
        &v,
        ints(&[0, 256], &[I32, I32]),
        Some(Val::Variant(s("x"), Some(Box::new(Val::U8(0))))),
    );
    check(
        &v,
        ints(&[1, 0x4048f5c3], &[I32, I32]),
        Some(Val::Variant(
            s("y"),
            Some(Box::new(Val::F32(f32::from_bits(0x4048f5c3)))),
        )),
    );
    check(
        &v,
        ints(&[2, 0xffffffff], &[I32, I32]),
        Some(Val::Variant(s("z"), None)),
    );
    check(&v, ints(&[3, 0], &[I32, I32]), None);
    let opt = ValType::option(ValType::F32);
    check(&opt, ints(&[0, 0], &[I32, F32]), Some(Val::Option(None)));
    check(
        &opt,
        ints(&[1, 0x4048f5c3], &[I32, F32]),
        Some(Val::Option(Some(Box::new(Val::F32(f32::from_bits(
            0x4048f5c3,
        )))))),
    );
    let res = ValType::result(Some(ValType::U8), Some(ValType::U32));
    check(
        &res,
        ints(&[0, 42], &[I32, I32]),
        Some(Val::Result(Ok(Some(Box::new(Val::U8(42)))))),
    );
    check(
        &res,
        ints(&[1, 1000], &[I32, I32]),
        Some(Val::Result(Err(Some(Box::new(Val::U32(1000)))))),
    );
    let e = ValType::enum_(vec![s("a"), s("b")]);
    check(&e, ints(&[0], &[I32]), Some(Val::Enum(s("a"))));
    check(&e, ints(&[1], &[I32]), Some(Val::Enum(s("b"))));
    check(&e, ints(&[2], &[I32]), None);
}

/// run_tests.py `test_pairs`.
#[test]
fn integers_bools_and_chars_lift_like_run_tests_py() {
    let pairs: Vec<(ValType, u64, Option<Val>)> = vec![
        (ValType::Bool, 4294967295, Some(Val::Bool(true))),
        (ValType::U8, 256, Some(Val::U8(0))),
        (ValType::S8, 128, Some(Val::S8(-128))),
        (ValType::S8, 255, Some(Val::S8(-1))),
        (ValType::U16, 65536, Some(Val::U16(0))),
        (ValType::S16, 32768, Some(Val::S16(-32768))),
        (ValType::S32, 1 << 31, Some(Val::S32(i32::MIN))),
        (ValType::Char, 0xD7FF, Some(Val::Char('\u{d7ff}'))),
        (ValType::Char, 0xD800, None),
        (ValType::Char, 0xDFFF, None),
        (ValType::Char, 0xE000, Some(Val::Char('\u{e000}'))),
        (ValType::Char, 0x10FFFF, Some(Val::Char('\u{10ffff}'))),
        (ValType::Char, 0x110000, None),
        (ValType::Char, 0xFFFFFFFF, None),
    ];
    for (t, v, expected) in pairs {
        check(&t, ints(&[v], &[I32]), expected);
    }
    check(
        &ValType::S64,
        ints(&[1 << 63], &[I64]),
        Some(Val::S64(i64::MIN)),
    );
    check(
        &ValType::U64,
        ints(&[u64::MAX], &[I64]),
        Some(Val::U64(u64::MAX)),
    );
}

/// run_tests.py `test_nan32`/`test_nan64`, and the two NaN profiles.
#[test]
fn nans_are_canonical_when_lifted_and_scrambled_only_when_seeded() {
    for bits in [
        0x7fc00000u32,
        0x7fc00001,
        0x7fe00000,
        0x7fffffff,
        0xffffffff,
    ] {
        assert_eq!(
            canonicalize_nan32(f32::from_bits(bits)).to_bits(),
            F32_CANONICAL_NAN
        );
    }
    for bits in [0x7f800000u32, 0x3fc00000] {
        assert_eq!(canonicalize_nan32(f32::from_bits(bits)).to_bits(), bits);
    }
    for bits in [
        0x7ff8000000000000u64,
        0x7ff8000000000001,
        0x7fffffffffffffff,
        0xffffffffffffffff,
    ] {
        assert_eq!(
            canonicalize_nan64(f64::from_bits(bits)).to_bits(),
            F64_CANONICAL_NAN
        );
    }
    assert_eq!(
        canonicalize_nan64(f64::from_bits(0x7ff0000000000000)).to_bits(),
        0x7ff0000000000000
    );
    let mut det = Nondet::default();
    assert_eq!(
        maybe_scramble_nan32(&mut det, f32::NAN).to_bits(),
        F32_CANONICAL_NAN
    );
    assert_eq!(
        maybe_scramble_nan64(&mut det, f64::NAN).to_bits(),
        F64_CANONICAL_NAN
    );
    assert_eq!(
        maybe_scramble_nan32(&mut det, 1.5).to_bits(),
        1.5f32.to_bits()
    );
    let mut seeded = Nondet::new(NondetMode::Seeded(7));
    let mut seen = std::collections::HashSet::new();
    for _ in 0..64 {
        let x = maybe_scramble_nan32(&mut seeded, f32::NAN);
        assert!(x.is_nan());
        seen.insert(x.to_bits());
        assert!(maybe_scramble_nan64(&mut seeded, f64::NAN).is_nan());
    }
    assert!(seen.len() > 1, "seeded NaNs vary");
}

fn encoded(encoding: StringEncoding, s: &str, ptr: PtrType) -> Option<(Vec<u8>, u64)> {
    match encoding {
        StringEncoding::Utf8 => Some((s.as_bytes().to_vec(), s.len() as u64)),
        StringEncoding::Utf16 => {
            let b: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
            let n = b.len() as u64 / 2;
            Some((b, n))
        }
        StringEncoding::Latin1Utf16 => {
            if s.chars().all(|c| (c as u32) < 256) {
                Some((
                    s.chars().map(|c| c as u32 as u8).collect(),
                    s.chars().count() as u64,
                ))
            } else {
                let b: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
                let n = b.len() as u64 / 2;
                Some((b, n | utf16_tag(ptr)))
            }
        }
    }
}

/// run_tests.py `test_string`: every pair of encodings, both address types,
/// the spec's "fun strings", plus a non-BMP character.
#[test]
fn strings_round_trip_between_every_pair_of_encodings() {
    let fun_strings = [
        "",
        "a",
        "hi",
        "\x00",
        "a\x00b",
        "\u{80}",
        "\u{80}b",
        "ab\u{ef}c",
        "\u{1ff}y",
        "xy\u{1ff}",
        "a\u{d7ff}b",
        "a\u{2ff}\u{3ff}\u{4ff}bc",
        "\u{f123}",
        "\u{f123}\u{f123}abc",
        "abcdef\u{f123}",
        "🍰x",
    ];
    let encodings = [
        StringEncoding::Utf8,
        StringEncoding::Utf16,
        StringEncoding::Latin1Utf16,
    ];
    for ptr in [PtrType::I32, PtrType::I64] {
        for src in encodings {
            for dst in encodings {
                for text in fun_strings {
                    let Some((bytes, tagged)) = encoded(src, text, ptr) else {
                        continue;
                    };
                    let mut e = env(&bytes, ptr);
                    let cx = e.cx(src);
                    let lifted = load_string_from_range(&cx, &mut e.store, 0, tagged).unwrap();
                    assert_eq!(lifted.as_str(), text);
                    let dst_cx = e.cx(dst);
                    let (p, n) = store_string_into_range(&dst_cx, &mut e.store, &lifted)
                        .unwrap_or_else(|err| panic!("{src} -> {dst} {text:?} ({ptr:?}): {err}"));
                    let again = load_string_from_range(&dst_cx, &mut e.store, p, n).unwrap();
                    assert_eq!(again.as_str(), text, "{src} -> {dst} ({ptr:?})");
                    // What lands in memory is the text in the destination's encoding.
                    let (want, want_units) = encoded(dst, text, ptr).unwrap();
                    let got = &e.memory.data(&e.store)[p as usize..p as usize + want.len()];
                    assert_eq!(
                        (got, n),
                        (want.as_slice(), want_units),
                        "{src} -> {dst} {text:?}"
                    );
                }
            }
        }
    }
}

/// run_tests.py `test_heap`: lists loaded from memory.
#[test]
fn lists_load_from_memory_like_run_tests_py() {
    let heap = |t: ValType, args: [u64; 2], bytes: &[u8], expected: Option<Vec<Val>>| {
        let mut e = env(bytes, PtrType::I32);
        let cx = e.cx(StringEncoding::Utf8);
        let mut vi = CoreValueIter::new(ints(&args, &[I32, I32]));
        let got = lift_flat(&cx, &mut e.store, &mut vi, &t);
        match expected {
            None => assert!(matches!(got, Err(Error::Trap(_))), "{t}: {got:?}"),
            Some(vals) => assert_eq!(got.unwrap(), Val::List(vals), "{t}"),
        }
    };
    let b = |x| Val::Bool(x);
    heap(
        ValType::list(ValType::Bool),
        [0, 3],
        &[1, 0, 2],
        Some(vec![b(true), b(false), b(true)]),
    );
    heap(
        ValType::list(ValType::Bool),
        [3, 3],
        &[0xff, 0xff, 0xff, 1, 0, 1],
        Some(vec![b(true), b(false), b(true)]),
    );
    heap(
        ValType::list(ValType::U16),
        [0, 3],
        &[1, 0, 2, 0, 3, 0],
        Some(vec![Val::U16(1), Val::U16(2), Val::U16(3)]),
    );
    heap(
        ValType::list(ValType::U16),
        [1, 3],
        &[0, 1, 0, 2, 0, 3, 0],
        None,
    );
    heap(
        ValType::list(ValType::S8),
        [0, 3],
        &[0xff, 0xfe, 0xfd],
        Some(vec![Val::S8(-1), Val::S8(-2), Val::S8(-3)]),
    );
    heap(
        ValType::list(ValType::Char),
        [0, 3],
        &[65, 0, 0, 0, 66, 0, 0, 0, 99, 0, 0, 0],
        Some(vec![Val::Char('A'), Val::Char('B'), Val::Char('c')]),
    );
    let tup = ValType::tuple(vec![ValType::U8, ValType::U16, ValType::U8, ValType::U32]);
    heap(
        ValType::list(tup),
        [0, 2],
        &[
            6, 0xff, 7, 0, 8, 0xff, 0xff, 0xff, 9, 0, 0, 0, 4, 0xff, 5, 0, 6, 0xff, 0xff, 0xff, 7,
            0, 0, 0,
        ],
        Some(vec![
            Val::Tuple(vec![Val::U8(6), Val::U16(7), Val::U8(8), Val::U32(9)]),
            Val::Tuple(vec![Val::U8(4), Val::U16(5), Val::U8(6), Val::U32(7)]),
        ]),
    );
    let flags17 = ValType::flags((0..17).map(|i| i.to_string()).collect());
    heap(
        ValType::list(flags17),
        [0, 2],
        &[0xff, 0xff, 0x3, 0, 0, 0, 0, 0],
        Some(vec![
            Val::Flags((0..17).map(|i| i.to_string()).collect()),
            Val::Flags(vec![]),
        ]),
    );
    heap(
        ValType::list(ValType::fixed_list(ValType::U32, 2)),
        [1, 2],
        &[0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0],
        None,
    );
}

#[test]
fn maps_load_as_their_entries() {
    let mut e = env(&[42, 0xff, 83, 0, 43, 0xff, 84, 0], PtrType::I32);
    let cx = e.cx(StringEncoding::Utf8);
    let t = ValType::map(ValType::U8, ValType::U16);
    let mut vi = CoreValueIter::new(ints(&[0, 2], &[I32, I32]));
    assert_eq!(
        lift_flat(&cx, &mut e.store, &mut vi, &t).unwrap(),
        Val::Map(vec![
            (Val::U8(42), Val::U16(83)),
            (Val::U8(43), Val::U16(84))
        ])
    );
    // And a map lowered from a value lands as the same bytes.
    let lowered = lower_flat(
        &cx,
        &mut e.store,
        &Val::Map(vec![(Val::U8(1), Val::U16(2))]),
        &t,
    )
    .unwrap();
    let [CoreVal::I32(p), CoreVal::I32(n)] = lowered[..] else {
        panic!("{lowered:?}")
    };
    assert_eq!(n, 1);
    let tuple = ValType::tuple(vec![ValType::U8, ValType::U16]);
    assert_eq!(
        load(&cx, &mut e.store, p as u64, &tuple).unwrap(),
        Val::Tuple(vec![Val::U8(1), Val::U16(2)])
    );
}

/// Lifting is bounded by `Config::max_value_bytes`, whatever the guest asks.
#[test]
fn lifted_values_are_bounded_by_the_configured_budget() {
    let config = Config {
        max_value_bytes: 1000,
        ..Config::default()
    };
    let mut e = env_with(&[], PtrType::I32, config);
    let cx = e.cx(StringEncoding::Utf8);
    let mut vi = CoreValueIter::new(ints(&[0, 60000], &[I32, I32]));
    let got = lift_flat(&cx, &mut e.store, &mut vi, &ValType::list(ValType::U8));
    assert!(matches!(got, Err(Error::Limit(_))), "{got:?}");
    // A small one fits.
    let mut vi = CoreValueIter::new(ints(&[0, 10], &[I32, I32]));
    assert!(lift_flat(&cx, &mut e.store, &mut vi, &ValType::list(ValType::U8)).is_ok());
}

/// Host strings lower like UTF-8 sources (`Str::new`).
#[test]
fn host_strings_are_utf8_sources() {
    let s = Str::new("h☃");
    assert_eq!(
        (s.encoding(), s.tagged_code_units()),
        (StringEncoding::Utf8, 4)
    );
}

/// Streams and futures whose both ends were dropped leave the store: a
/// loop making and dropping ten thousand of them keeps the arenas at the
/// size of one.
#[test]
fn dropped_streams_and_futures_free_their_shared_state() {
    let wat = r#"(component
      (core module $M
        (import "" "stream.new" (func $stream.new (result i64)))
        (import "" "stream.drop-readable" (func $sdr (param i32)))
        (import "" "stream.drop-writable" (func $sdw (param i32)))
        (import "" "future.new" (func $future.new (result i64)))
        (import "" "future.drop-readable" (func $fdr (param i32)))
        (func (export "churn") (param $n i32) (result i32)
          (local $rw i64)
          (loop $l
            (local.set $rw (call $stream.new))
            (call $sdw (i32.wrap_i64 (i64.shr_u (local.get $rw) (i64.const 32))))
            (call $sdr (i32.wrap_i64 (local.get $rw)))
            ;; a future whose writable end stays: its shared state must stay
            (if (i32.eq (local.get $n) (i32.const 1))
              (then (call $fdr (i32.wrap_i64 (call $future.new)))))
            (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
          (i32.const 0)))
      (type $s (stream u8))
      (type $f (future u8))
      (canon stream.new $s (core func $stream.new))
      (canon stream.drop-readable $s (core func $sdr))
      (canon stream.drop-writable $s (core func $sdw))
      (canon future.new $f (core func $future.new))
      (canon future.drop-readable $f (core func $fdr))
      (core instance $m (instantiate $M (with "" (instance
        (export "stream.new" (func $stream.new))
        (export "stream.drop-readable" (func $sdr))
        (export "stream.drop-writable" (func $sdw))
        (export "future.new" (func $future.new))
        (export "future.drop-readable" (func $fdr))))))
      (func (export "churn") (param "n" u32) (result u32)
        (canon lift (core func $m "churn"))))"#;
    let engine = Engine::new(Config::default().features(crate::component::features()));
    let component =
        crate::component::Component::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine);
    let instance = crate::component::Linker::new()
        .instantiate(&mut store, &component)
        .unwrap();
    let churn = instance.get_func("churn").unwrap();
    let r = churn.call(&mut store, &[Val::U32(10_000)]).unwrap();
    assert_eq!(r, vec![Val::U32(0)]);
    // The one future whose writable end is still in the table.
    assert_eq!(store.component.shared.live(), 1);
    assert_eq!(store.component.ends.live(), 1);
}
