//! The string parts of CanonicalABI.md "Loading" and "Storing": decoding a
//! string out of memory, and every transcoding path into memory.

use super::abi::{PtrType, align_to, ptr_size};
use super::context::LiftLowerContext;
use super::options::StringEncoding;
use super::storing::store_int;
use super::{trap, trap_if};
use crate::component::store::internal;
use crate::component::values::Str;
use crate::error::Result;
use crate::runtime::store::Store;

/// `definitions.py::REALLOC_I32_MAX`.
pub(crate) const REALLOC_I32_MAX: u64 = (1 << 32) - 1;
/// `definitions.py::MAX_STRING_BYTE_LENGTH`.
pub(crate) const MAX_STRING_BYTE_LENGTH: u64 = (1 << 28) - 1;

/// Implements `definitions.py::load_string`.
pub(crate) fn load_string(cx: &LiftLowerContext, store: &mut Store, ptr: u64) -> Result<Str> {
    let mem = cx.memory()?;
    let begin = super::load::load_int(cx, store, ptr, mem.ptr_size())?;
    let tagged_code_units = super::load::load_int(cx, store, ptr + mem.ptr_size(), mem.ptr_size())?;
    load_string_from_range(cx, store, begin, tagged_code_units)
}

/// Implements `definitions.py::utf16_tag`.
pub(crate) fn utf16_tag(ptr_type: PtrType) -> u64 {
    1 << (ptr_size(ptr_type) * 8 - 1)
}

/// A source encoding after the `latin1+utf16` tag is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Simple {
    Utf8,
    Utf16,
    Latin1,
}

/// Implements `definitions.py::load_string_from_range`.
pub(crate) fn load_string_from_range(
    cx: &LiftLowerContext,
    store: &mut Store,
    ptr: u64,
    tagged_code_units: u64,
) -> Result<Str> {
    let tag = utf16_tag(cx.ptr_type());
    let (alignment, byte_length, encoding) = match cx.opts.string_encoding {
        StringEncoding::Utf8 => (1, tagged_code_units as u128, Simple::Utf8),
        StringEncoding::Utf16 => (2, 2 * tagged_code_units as u128, Simple::Utf16),
        StringEncoding::Latin1Utf16 => {
            if tagged_code_units & tag != 0 {
                (2, 2 * (tagged_code_units ^ tag) as u128, Simple::Utf16)
            } else {
                (2, tagged_code_units as u128, Simple::Latin1)
            }
        }
    };
    trap_if(
        byte_length > MAX_STRING_BYTE_LENGTH as u128,
        &format!("string of {byte_length} bytes exceeds the maximum string byte length"),
    )?;
    trap_if(
        ptr != align_to(ptr, alignment),
        &format!("unaligned pointer: string pointer {ptr:#x} is not {alignment}-aligned"),
    )?;
    let mem = cx.memory()?;
    let len = mem.len(store) as u128;
    trap_if(
        ptr as u128 + byte_length > len,
        &format!(
            "string pointer/length out of bounds of memory ({ptr:#x} + {byte_length} bytes > {len})"
        ),
    )?;
    cx.charge(2 * byte_length as u64)?;
    let bytes = &mem.bytes(store)[ptr as usize..(ptr as u128 + byte_length) as usize];
    let s = match encoding {
        Simple::Utf8 => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(e) => return trap(format!("{e}")),
        },
        Simple::Utf16 => {
            let units = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]));
            match char::decode_utf16(units).collect::<Result<String, _>>() {
                Ok(s) => s,
                Err(e) => {
                    return trap(format!(
                        "invalid utf-16: unpaired surrogate 0x{:x}",
                        e.unpaired_surrogate()
                    ));
                }
            }
        }
        Simple::Latin1 => bytes.iter().map(|b| *b as char).collect(),
    };
    Ok(Str::lifted(
        s,
        cx.opts.string_encoding,
        tagged_code_units,
        cx.ptr_type(),
    ))
}

/// Implements `definitions.py::store_string`.
pub(crate) fn store_string(
    cx: &LiftLowerContext,
    store: &mut Store,
    v: &Str,
    ptr: u64,
) -> Result<()> {
    let (begin, tagged_code_units) = store_string_into_range(cx, store, v)?;
    let n = cx.memory()?.ptr_size();
    store_int(cx, store, begin, ptr, n)?;
    store_int(cx, store, tagged_code_units, ptr + n, n)
}

/// Implements `definitions.py::store_string_into_range`.
///
/// The spec resolves a `latin1+utf16` source's tag with the *destination*'s
/// pointer width (`utf16_tag(cx.opts.memory.ptr_type())`); cmref uses the
/// width of the memory the string was lifted from, which is the same except
/// between memories of different address types, where the spec's reading
/// would mistake the tag.
pub(crate) fn store_string_into_range(
    cx: &LiftLowerContext,
    store: &mut Store,
    v: &Str,
) -> Result<(u64, u64)> {
    let src = v.as_str();
    let src_encoding = v.encoding;
    let src_tagged_code_units = v.tagged_code_units;
    let tag = utf16_tag(v.ptr_type);

    let (src_simple_encoding, src_code_units) = match src_encoding {
        StringEncoding::Latin1Utf16 => {
            if src_tagged_code_units & tag != 0 {
                (Simple::Utf16, src_tagged_code_units ^ tag)
            } else {
                (Simple::Latin1, src_tagged_code_units)
            }
        }
        StringEncoding::Utf8 => (Simple::Utf8, src_tagged_code_units),
        StringEncoding::Utf16 => (Simple::Utf16, src_tagged_code_units),
    };
    // Lifted strings are bounded by `MAX_STRING_BYTE_LENGTH`; the host's are
    // held to the same bound (the spec asserts the sizes below fit).
    trap_if(
        src_code_units > MAX_STRING_BYTE_LENGTH,
        &format!("a string of {src_code_units} code units is too long to lower"),
    )?;

    match cx.opts.string_encoding {
        StringEncoding::Utf8 => match src_simple_encoding {
            Simple::Utf8 => store_string_copy(cx, store, src, src_code_units, 1, 1, Simple::Utf8),
            Simple::Utf16 => store_utf16_to_utf8(cx, store, src, src_code_units),
            Simple::Latin1 => store_latin1_to_utf8(cx, store, src, src_code_units),
        },
        StringEncoding::Utf16 => match src_simple_encoding {
            Simple::Utf8 => store_utf8_to_utf16(cx, store, src, src_code_units),
            Simple::Utf16 => store_string_copy(cx, store, src, src_code_units, 2, 2, Simple::Utf16),
            Simple::Latin1 => {
                store_string_copy(cx, store, src, src_code_units, 2, 2, Simple::Utf16)
            }
        },
        StringEncoding::Latin1Utf16 => match src_encoding {
            StringEncoding::Utf8 | StringEncoding::Utf16 => {
                store_string_to_latin1_or_utf16(cx, store, src, src_code_units)
            }
            StringEncoding::Latin1Utf16 => match src_simple_encoding {
                Simple::Latin1 => {
                    store_string_copy(cx, store, src, src_code_units, 1, 2, Simple::Latin1)
                }
                _ => store_probably_utf16_to_latin1_or_utf16(cx, store, src, src_code_units),
            },
        },
    }
}

/// `src.encode(encoding)`.
fn encode(src: &str, encoding: Simple) -> Vec<u8> {
    match encoding {
        Simple::Utf8 => src.as_bytes().to_vec(),
        Simple::Utf16 => src.encode_utf16().flat_map(|u| u.to_le_bytes()).collect(),
        // Only reached for strings lifted as Latin-1, whose chars are < 256.
        Simple::Latin1 => src.chars().map(|c| c as u32 as u8).collect(),
    }
}

/// `cx.opts.memory[ptr : ptr+len(bytes)] = bytes`, after the caller's checks.
fn write_bytes(cx: &LiftLowerContext, store: &mut Store, ptr: u64, bytes: &[u8]) -> Result<()> {
    let mem = cx.memory()?.bytes_mut(store);
    let start = usize::try_from(ptr).map_err(|_| internal("string write"))?;
    mem.get_mut(start..start + bytes.len())
        .ok_or_else(|| internal("string write out of the bounds its caller checked"))?
        .copy_from_slice(bytes);
    Ok(())
}

fn read_byte(cx: &LiftLowerContext, store: &Store, at: u64) -> Result<u8> {
    cx.memory()?
        .bytes(store)
        .get(at as usize)
        .copied()
        .ok_or_else(|| internal("string read out of the bounds its caller checked"))
}

/// The checks on what `realloc` returned for a string: aligned, in bounds.
fn check_realloc(
    cx: &LiftLowerContext,
    store: &Store,
    ptr: u64,
    alignment: u32,
    byte_length: u64,
) -> Result<()> {
    trap_if(
        ptr != align_to(ptr, alignment),
        &format!("unaligned pointer: realloc returned {ptr:#x}, which is not {alignment}-aligned"),
    )?;
    check_realloc_bounds(cx, store, ptr, byte_length)
}

fn check_realloc_bounds(
    cx: &LiftLowerContext,
    store: &Store,
    ptr: u64,
    byte_length: u64,
) -> Result<()> {
    let len = cx.memory()?.len(store);
    trap_if(
        ptr as u128 + byte_length as u128 > len as u128,
        &format!("realloc return: beyond end of memory ({ptr:#x} + {byte_length} bytes > {len})"),
    )
}

/// Implements `definitions.py::store_string_copy`.
pub(crate) fn store_string_copy(
    cx: &LiftLowerContext,
    store: &mut Store,
    src: &str,
    src_code_units: u64,
    dst_code_unit_size: u64,
    dst_alignment: u32,
    dst_encoding: Simple,
) -> Result<(u64, u64)> {
    let dst_byte_length = dst_code_unit_size * src_code_units;
    let ptr = cx.allocate(store, dst_alignment, dst_byte_length)?;
    check_realloc(cx, store, ptr, dst_alignment, dst_byte_length)?;
    let encoded = encode(src, dst_encoding);
    if encoded.len() as u64 != dst_byte_length {
        return Err(internal("string length changed in transcoding"));
    }
    write_bytes(cx, store, ptr, &encoded)?;
    Ok((ptr, src_code_units))
}

/// Implements `definitions.py::store_utf16_to_utf8`.
pub(crate) fn store_utf16_to_utf8(
    cx: &LiftLowerContext,
    store: &mut Store,
    src: &str,
    src_code_units: u64,
) -> Result<(u64, u64)> {
    let worst_case_size = src_code_units * 3;
    store_string_to_utf8(cx, store, src, src_code_units, worst_case_size)
}

/// Implements `definitions.py::store_latin1_to_utf8`.
pub(crate) fn store_latin1_to_utf8(
    cx: &LiftLowerContext,
    store: &mut Store,
    src: &str,
    src_code_units: u64,
) -> Result<(u64, u64)> {
    let worst_case_size = src_code_units * 2;
    store_string_to_utf8(cx, store, src, src_code_units, worst_case_size)
}

/// Implements `definitions.py::store_string_to_utf8`.
pub(crate) fn store_string_to_utf8(
    cx: &LiftLowerContext,
    store: &mut Store,
    src: &str,
    src_code_units: u64,
    worst_case_size: u64,
) -> Result<(u64, u64)> {
    let ptr = cx.allocate(store, 1, src_code_units)?;
    check_realloc_bounds(cx, store, ptr, src_code_units)?;
    // The ASCII prefix is written byte for byte (its code points are its
    // bytes); at the first other code point the buffer grows to the worst
    // case and the rest is encoded.
    let ascii_prefix = src.bytes().take_while(|b| *b < 0x80).count();
    write_bytes(cx, store, ptr, &src.as_bytes()[..ascii_prefix])?;
    if ascii_prefix == src.len() {
        return Ok((ptr, src_code_units));
    }
    let i = ascii_prefix as u64;
    let ptr = cx.reallocate(store, ptr, src_code_units, 1, worst_case_size)?;
    check_realloc_bounds(cx, store, ptr, worst_case_size)?;
    let encoded = src.as_bytes();
    write_bytes(cx, store, ptr + i, &encoded[ascii_prefix..])?;
    let mut ptr = ptr;
    if worst_case_size > encoded.len() as u64 {
        ptr = cx.reallocate(store, ptr, worst_case_size, 1, encoded.len() as u64)?;
        check_realloc_bounds(cx, store, ptr, encoded.len() as u64)?;
    }
    Ok((ptr, encoded.len() as u64))
}

/// Implements `definitions.py::store_utf8_to_utf16`.
pub(crate) fn store_utf8_to_utf16(
    cx: &LiftLowerContext,
    store: &mut Store,
    src: &str,
    src_code_units: u64,
) -> Result<(u64, u64)> {
    let worst_case_size = 2 * src_code_units;
    let mut ptr = cx.allocate(store, 2, worst_case_size)?;
    check_realloc(cx, store, ptr, 2, worst_case_size)?;
    let encoded = encode(src, Simple::Utf16);
    write_bytes(cx, store, ptr, &encoded)?;
    if (encoded.len() as u64) < worst_case_size {
        ptr = cx.reallocate(store, ptr, worst_case_size, 2, encoded.len() as u64)?;
        check_realloc(cx, store, ptr, 2, encoded.len() as u64)?;
    }
    let code_units = encoded.len() as u64 / 2;
    Ok((ptr, code_units))
}

/// Implements `definitions.py::store_string_to_latin1_or_utf16`.
pub(crate) fn store_string_to_latin1_or_utf16(
    cx: &LiftLowerContext,
    store: &mut Store,
    src: &str,
    src_code_units: u64,
) -> Result<(u64, u64)> {
    let mut ptr = cx.allocate(store, 2, src_code_units)?;
    check_realloc(cx, store, ptr, 2, src_code_units)?;
    let mut dst_byte_length: u64 = 0;
    for usv in src.chars() {
        if (usv as u32) < (1 << 8) {
            write_bytes(cx, store, ptr + dst_byte_length, &[usv as u32 as u8])?;
            dst_byte_length += 1;
        } else {
            let worst_case_size = 2 * src_code_units;
            ptr = cx.reallocate(store, ptr, src_code_units, 2, worst_case_size)?;
            check_realloc(cx, store, ptr, 2, worst_case_size)?;
            // Inflate the Latin-1 prefix to UTF-16 in place, back to front.
            for j in (0..dst_byte_length).rev() {
                let b = read_byte(cx, store, ptr + j)?;
                write_bytes(cx, store, ptr + 2 * j, &[b, 0])?;
            }
            let encoded = encode(src, Simple::Utf16);
            write_bytes(
                cx,
                store,
                ptr + 2 * dst_byte_length,
                &encoded[2 * dst_byte_length as usize..],
            )?;
            if worst_case_size > encoded.len() as u64 {
                ptr = cx.reallocate(store, ptr, worst_case_size, 2, encoded.len() as u64)?;
                check_realloc(cx, store, ptr, 2, encoded.len() as u64)?;
            }
            let tagged_code_units = (encoded.len() as u64 / 2) | utf16_tag(cx.ptr_type());
            return Ok((ptr, tagged_code_units));
        }
    }
    if dst_byte_length < src_code_units {
        ptr = cx.reallocate(store, ptr, src_code_units, 2, dst_byte_length)?;
        check_realloc(cx, store, ptr, 2, dst_byte_length)?;
    }
    Ok((ptr, dst_byte_length))
}

/// Implements `definitions.py::store_probably_utf16_to_latin1_or_utf16`.
pub(crate) fn store_probably_utf16_to_latin1_or_utf16(
    cx: &LiftLowerContext,
    store: &mut Store,
    src: &str,
    src_code_units: u64,
) -> Result<(u64, u64)> {
    let src_byte_length = 2 * src_code_units;
    let ptr = cx.allocate(store, 2, src_byte_length)?;
    check_realloc(cx, store, ptr, 2, src_byte_length)?;
    let encoded = encode(src, Simple::Utf16);
    write_bytes(cx, store, ptr, &encoded)?;
    if src.chars().any(|c| c as u32 >= (1 << 8)) {
        let tagged_code_units = (encoded.len() as u64 / 2) | utf16_tag(cx.ptr_type());
        return Ok((ptr, tagged_code_units));
    }
    let latin1_size = encoded.len() as u64 / 2;
    for i in 0..latin1_size {
        let b = read_byte(cx, store, ptr + 2 * i)?;
        write_bytes(cx, store, ptr + i, &[b])?;
    }
    let ptr = cx.reallocate(store, ptr, src_byte_length, 1, latin1_size)?;
    check_realloc_bounds(cx, store, ptr, latin1_size)?;
    Ok((ptr, latin1_size))
}
